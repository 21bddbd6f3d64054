"""Contract cases for Molecule: written files parsed back with RDKit (or read as kept bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mediatypes as mt

from .case import Case

FIX = Path(__file__).parents[2] / "fixtures" / "molecule"


def _check_rdkit_pdb(manifest: dict[str, Any], root: Path) -> None:
    from rdkit import Chem

    mol = Chem.MolFromPDBFile(str(root / manifest["path"]), removeHs=False)
    assert mol is not None
    assert mol.GetNumAtoms() == manifest["num_atoms"]
    if "smiles" in manifest:  # embedded: real 3-D coordinates (water.pdb is planar)
        assert mol.GetConformer().Is3D()


def _check_kept(name: str) -> Any:
    def check(manifest: dict[str, Any], root: Path) -> None:
        assert (root / manifest["path"]).read_bytes() == (FIX / name).read_bytes()

    return check


def _check_sdf(manifest: dict[str, Any], root: Path) -> None:
    from rdkit import Chem

    _check_kept("two.sdf")(manifest, root)
    mols = list(Chem.SDMolSupplier(str(root / manifest["path"]), removeHs=False))
    assert sum(m.GetNumAtoms() for m in mols) == manifest["num_atoms"] == 17


CASES = [
    Case(
        "molecule-smiles",
        lambda: mt.Molecule.from_smiles("c1ccccc1O", caption="phenol"),
        _check_rdkit_pdb,
    ),
    Case("molecule-pdb", lambda: mt.Molecule(FIX / "water.pdb"), _check_rdkit_pdb),
    Case("molecule-sdf", lambda: mt.Molecule(FIX / "two.sdf"), _check_sdf),
    Case("molecule-mmtf", lambda: mt.Molecule(FIX / "water.mmtf"), _check_kept("water.mmtf")),
]
