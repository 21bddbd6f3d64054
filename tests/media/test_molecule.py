"""Molecule: the ten seed formats kept as-is after a check; SMILES / RDKit → PDB parsed by RDKit."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import mediatypes as mt
from mediatypes import _registry
from mediatypes.errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    MediaFileNotFoundError,
    UnsupportedFormatError,
)
from mediatypes.molecule import MOLECULE_TYPES

Chem = pytest.importorskip("rdkit.Chem")

FIX = Path(__file__).parents[2] / "fixtures" / "molecule"

FILES = [
    ("water.pdb", 3),
    ("water.pqr", 3),
    ("water.mmcif", 3),
    ("water.mcif", 3),
    ("water.cif", 3),
    ("two.sdf", 17),
    ("two.sd", 17),
    ("water.gro", 3),
    ("water.mol2", 3),
    ("water.mmtf", 3),
]


def test_fixtures_cover_the_ten_seed_formats() -> None:
    assert sorted(Path(n).suffix[1:] for n, _ in FILES) == sorted(MOLECULE_TYPES)


@pytest.mark.parametrize(("name", "atoms"), FILES)
def test_files_are_kept_byte_for_byte(tmp_path: Path, name: str, atoms: int) -> None:
    m = mt.Molecule(FIX / name, caption=name).save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == (FIX / name).read_bytes()
    assert m["format"] == Path(name).suffix[1:] and m["num_atoms"] == atoms
    assert m["caption"] == name and m["path"].endswith("." + m["format"])


@pytest.mark.parametrize("name", ["water.pdb", "two.sdf", "water.mol2"])
def test_rdkit_formats_parse_back_with_rdkit(tmp_path: Path, name: str) -> None:
    m = mt.Molecule(FIX / name).save(tmp_path)
    path = str(tmp_path / m["path"])
    if name.endswith(".pdb"):
        mols = [Chem.MolFromPDBFile(path, removeHs=False)]
    elif name.endswith(".sdf"):
        mols = list(Chem.SDMolSupplier(path, removeHs=False))
    else:
        mols = [Chem.MolFromMol2File(path, removeHs=False)]
    assert sum(mol.GetNumAtoms() for mol in mols) == m["num_atoms"]


def test_file_objects(tmp_path: Path) -> None:
    with open(FIX / "water.pdb") as fh:  # text mode with a name, like the seeds' open("6lu7.pdb")
        assert mt.Molecule(fh).save(tmp_path)["num_atoms"] == 3
    blob = io.BytesIO((FIX / "water.mmtf").read_bytes())
    m = mt.Molecule(blob, file_type="mmtf").save(tmp_path)
    assert m["format"] == "mmtf" and m["num_atoms"] == 3
    assert mt.Molecule(io.StringIO((FIX / "water.gro").read_text()), file_type="GRO").num_atoms == 3


@pytest.mark.parametrize("smiles", ["CCO", "c1ccccc1C(=O)O", "[NH4+]", "C[C@H](N)C(=O)O"])
def test_from_smiles_writes_pdb_rdkit_parses(tmp_path: Path, smiles: str) -> None:
    m = mt.Molecule.from_smiles(smiles, caption="x").save(tmp_path)
    mol = Chem.MolFromPDBFile(str(tmp_path / m["path"]), removeHs=False)
    expected = Chem.AddHs(Chem.MolFromSmiles(smiles)).GetNumAtoms()
    assert mol.GetNumAtoms() == m["num_atoms"] == expected
    assert mol.GetConformer().Is3D() or expected <= 3
    assert m["format"] == "pdb" and m["smiles"] == smiles


def test_from_smiles_is_deterministic_and_seeded() -> None:
    a = mt.Molecule.from_smiles("CCCCO").encode()[0]
    b = mt.Molecule.from_smiles("CCCCO").encode()[0]
    c = mt.Molecule.from_smiles("CCCCO", seed=5).encode()[0]
    assert a is not None and b is not None and c is not None
    assert a.data == b.data
    assert c.data != a.data


def test_from_rdkit(tmp_path: Path) -> None:
    from rdkit.Chem import AllChem

    flat = Chem.MolFromSmiles("CC(=O)N")  # no conformer: embedded with hydrogens
    m = mt.Molecule.from_rdkit(flat).save(tmp_path)
    assert m["num_atoms"] == 9
    mol3d = Chem.AddHs(Chem.MolFromSmiles("CCN"))
    AllChem.EmbedMolecule(mol3d, randomSeed=1)
    before = mol3d.GetConformer().GetPositions()
    m2 = mt.Molecule.from_rdkit(mol3d).save(tmp_path)
    back = Chem.MolFromPDBFile(str(tmp_path / m2["path"]), removeHs=False)
    assert back.GetNumAtoms() == m2["num_atoms"] == mol3d.GetNumAtoms()
    # existing 3-D coordinates are kept (PDB has 3 decimals)
    assert abs(back.GetConformer().GetPositions() - before).max() < 1e-3
    m3 = mt.Molecule.from_rdkit(FIX / "ethanol.mol").save(tmp_path)
    assert m3["num_atoms"] == 9
    m4 = mt.Molecule.from_rdkit(FIX / "ethanol_2d.mol").save(tmp_path)  # 2-D file: embedded
    assert m4["num_atoms"] == 9


def test_manifest_loads_back(tmp_path: Path) -> None:
    m = mt.Molecule.from_smiles("CO", caption="methanol").save(tmp_path)
    back = _registry.load(m, tmp_path)
    assert isinstance(back, mt.Molecule) and back.smiles == "CO" and back.num_atoms == 6
    assert back.save(tmp_path) == m


BAD = [
    (
        lambda: mt.Molecule.from_smiles("C1CC(("),
        InvalidInputError,
        "`smiles` could not be parsed by RDKit",
    ),
    (lambda: mt.Molecule.from_smiles(""), InvalidInputError, "`smiles` could not be parsed"),
    (lambda: mt.Molecule.from_smiles(42), InvalidTypeError, "`smiles` expects a str"),
    (
        lambda: mt.Molecule(FIX / "water.xyz"),
        UnsupportedFormatError,
        "`file_type` expects one of pdb, pqr",
    ),
    (
        lambda: mt.Molecule(
            io.BytesIO(b"ATOM"),
        ),
        InvalidInputError,
        "`file_type` is required",
    ),
    (lambda: mt.Molecule(FIX / "water.pdb", file_type="gro"), DecodeError, "not a valid GRO file"),
    (lambda: mt.Molecule(FIX / "two.sdf", file_type="mol2"), DecodeError, "not a valid MOL2"),
    (lambda: mt.Molecule(FIX / "water.gro", file_type="pdb"), DecodeError, "not a valid PDB"),
    (lambda: mt.Molecule(FIX / "water.pdb", file_type="mmtf"), DecodeError, "MessagePack"),
    (lambda: mt.Molecule(FIX / "water.mol2", file_type="cif"), DecodeError, "data_ block"),
    (lambda: mt.Molecule(FIX / "water.cif", file_type="sdf"), DecodeError, "not a valid SDF"),
    (lambda: mt.Molecule(FIX / "bad_noatoms.pdb"), DecodeError, "no ATOM or HETATM"),
    (lambda: mt.Molecule(FIX / "bad.sdf"), DecodeError, "RDKit could not parse record 0"),
    (lambda: mt.Molecule(FIX / "bad.mol2"), DecodeError, "RDKit could not parse molecule 0"),
    (lambda: mt.Molecule(FIX / "bad_count.gro"), DecodeError, "declares 5 atoms but has 3"),
    (lambda: mt.Molecule(FIX / "bad_loop.cif"), DecodeError, "35 values for 12 columns"),
    (lambda: mt.Molecule(FIX / "bad.mmtf"), DecodeError, "MessagePack map"),
    (lambda: mt.Molecule(FIX / "missing.pdb"), MediaFileNotFoundError, "existing file"),
    (lambda: mt.Molecule("CCO"), MediaFileNotFoundError, "existing file"),
    (lambda: mt.Molecule(b"ATOM"), InvalidTypeError, "from_smiles"),
    (lambda: mt.Molecule.from_rdkit("CCO"), MediaFileNotFoundError, ".mol/.sdf"),
    (lambda: mt.Molecule.from_rdkit(FIX / "water.pdb"), UnsupportedFormatError, "Use Molecule"),
    (lambda: mt.Molecule.from_rdkit(3), InvalidTypeError, "rdkit.Chem.Mol"),
]


@pytest.mark.parametrize(("make", "exc", "msg"), BAD)
def test_bad_inputs(assert_nothing_written: Path, make: Any, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        make().save(assert_nothing_written)
