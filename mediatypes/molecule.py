"""Molecule: structure files kept as-is after a sanity check; SMILES / RDKit molecules → PDB.

Encoding (``_type = "molecule-file"``, schema version 1): the ten file types of the reference SDK
(``pdb, pqr, mmcif, mcif, cif, sdf, sd, gro, mol2, mmtf``) are stored byte-for-byte once they pass a
format check: RDKit parses ``pdb``, ``sdf``/``sd`` and ``mol2``; the others get cheap structural
checks (PQR atom records with five numeric trailing fields, a CIF ``data_`` block whose
``_atom_site`` loop has whole rows, a GRO atom count that matches its lines, an MMTF MessagePack
map with ``mmtfVersion`` and ``numAtoms``). ``from_smiles`` and ``from_rdkit`` embed 3-D coordinates
(ETKDGv3 with a fixed random seed, then at most ``max_iters`` MMFF94 — or UFF — steps) and write
PDB with RDKit. The manifest records the format and the atom count where the format gives one.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from ._optional import require
from .core.inputs import read_path_or_file
from .core.media import Encoded, Media, Payload, check_caption, file_type_of
from .errors import (
    DecodeError,
    EncodingError,
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaFileNotFoundError,
    UnsupportedFormatError,
    describe,
)

__all__ = ["MOLECULE_TYPES", "Molecule"]

OWNER = "Molecule"
MOLECULE_TYPES: tuple[str, ...] = (
    "pdb",
    "pqr",
    "mmcif",
    "mcif",
    "cif",
    "sdf",
    "sd",
    "gro",
    "mol2",
    "mmtf",
)


@contextlib.contextmanager
def _quiet_rdkit() -> Iterator[None]:
    """Silence RDKit's C++ logging while we probe files (errors are reported by us instead)."""
    from rdkit import rdBase

    blocker = rdBase.BlockLogs()
    try:
        yield
    finally:
        del blocker


def _bad(fmt: str, why: str) -> DecodeError:
    return DecodeError(f"{OWNER}: `data` is not a valid {fmt.upper()} file: {why}.")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _atom_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(("ATOM", "HETATM"))]


def _check_pdb(raw: bytes) -> int:
    text = _text(raw)
    lines = _atom_lines(text)
    if not lines:
        raise _bad("pdb", "no ATOM or HETATM records")
    for i, line in enumerate(lines):
        # RDKit accepts an atom record cut short before its coordinates (a truncated file)
        try:
            float(line[30:38]), float(line[38:46]), float(line[46:54])
        except ValueError:
            raise _bad(
                "pdb", f"atom record {i + 1} has no x, y, z in columns 31-54 (truncated?)"
            ) from None
    Chem = require("rdkit.Chem", "Molecule (PDB check)")
    with _quiet_rdkit():
        mol = Chem.MolFromPDBBlock(text, sanitize=False, removeHs=False)
    if mol is None or mol.GetNumAtoms() == 0:
        raise _bad("pdb", "RDKit could not parse it")
    return int(mol.GetNumAtoms())


def _check_pqr(raw: bytes) -> int:
    lines = _atom_lines(_text(raw))
    if not lines:
        raise _bad("pqr", "no ATOM or HETATM records")
    for ln in lines:
        fields = ln.split()
        try:
            [float(f) for f in fields[-5:]]
        except ValueError:
            raise _bad("pqr", f"atom record without x y z charge radius: {ln[:60]!r}") from None
        if len(fields) < 9:
            raise _bad("pqr", f"atom record with too few fields: {ln[:60]!r}")
    return len(lines)


def _check_sdf(raw: bytes) -> int:
    text = _text(raw)
    if "M  END" not in text:
        raise _bad("sdf", "no 'M  END' line (not a MOL/SDF record)")
    Chem = require("rdkit.Chem", "Molecule (SDF check)")
    total = count = 0
    with _quiet_rdkit():
        for i, mol in enumerate(
            Chem.ForwardSDMolSupplier(io.BytesIO(raw), sanitize=False, removeHs=False)
        ):
            if mol is None:
                raise _bad("sdf", f"RDKit could not parse record {i}")
            total += mol.GetNumAtoms()
            count += 1
    if count == 0:
        raise _bad("sdf", "no molecule records")
    return total


def _check_mol2(raw: bytes) -> int:
    text = _text(raw)
    if "@<TRIPOS>MOLECULE" not in text or "@<TRIPOS>ATOM" not in text:
        raise _bad("mol2", "missing @<TRIPOS>MOLECULE / @<TRIPOS>ATOM sections")
    Chem = require("rdkit.Chem", "Molecule (MOL2 check)")
    blocks = ["@<TRIPOS>MOLECULE" + b for b in text.split("@<TRIPOS>MOLECULE")[1:]]
    total = 0
    with _quiet_rdkit():
        for i, block in enumerate(blocks):
            mol = Chem.MolFromMol2Block(block, sanitize=False, removeHs=False)
            if mol is None:
                raise _bad("mol2", f"RDKit could not parse molecule {i}")
            total += mol.GetNumAtoms()
    return total


def _check_cif(raw: bytes) -> int:
    lines = _text(raw).splitlines()
    first = next((ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")), "")
    if not first.startswith("data_"):
        raise _bad("cif", "it does not start with a data_ block")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "loop_":
            j = i + 1
            cols: list[str] = []
            while j < len(lines) and lines[j].strip().startswith("_"):
                cols.append(lines[j].strip())
                j += 1
            if (
                cols
                and cols[0].startswith(("_atom_site.", "_atom_site_"))
                and not cols[0].startswith("_atom_site_aniso")
            ):
                values = 0
                while j < len(lines):
                    s = lines[j].strip()
                    if s.startswith(("loop_", "_", "data_")) or s == "#":
                        break
                    if s:
                        try:
                            values += len(shlex.split(s, posix=True))
                        except ValueError:
                            raise _bad("cif", f"unbalanced quotes in line {j + 1}") from None
                    j += 1
                if values == 0 or values % len(cols):
                    raise _bad(
                        "cif", f"the _atom_site loop has {values} values for {len(cols)} columns"
                    )
                return values // len(cols)
            i = j
        else:
            i += 1
    raise _bad("cif", "no _atom_site loop")


def _check_gro(raw: bytes) -> int:
    lines = _text(raw).splitlines()
    if len(lines) < 3:
        raise _bad("gro", "fewer than three lines (title, atom count, box)")
    try:
        n = int(lines[1].strip())
    except ValueError:
        raise _bad("gro", f"line 2 should be the atom count; got {lines[1][:40]!r}") from None
    if len(lines) < n + 3:
        raise _bad("gro", f"it declares {n} atoms but has {len(lines) - 3} atom lines")
    for ln in lines[2 : n + 2]:
        try:
            float(ln[20:28]), float(ln[28:36]), float(ln[36:44])
        except ValueError:
            raise _bad("gro", f"atom line without x y z in columns 21-44: {ln[:50]!r}") from None
    try:
        box = [float(v) for v in lines[n + 2].split()]
    except ValueError:
        box = []
    if len(box) not in (3, 9):
        raise _bad("gro", "the line after the atoms should be the box (3 or 9 numbers)")
    return n


def _msgpack_int(raw: bytes, pos: int) -> int | None:
    b = raw[pos] if pos < len(raw) else -1
    if 0 <= b <= 0x7F:
        return b
    sizes = {0xCC: (1, False), 0xCD: (2, False), 0xCE: (4, False), 0xCF: (8, False)}
    sizes.update({0xD0: (1, True), 0xD1: (2, True), 0xD2: (4, True), 0xD3: (8, True)})
    if b in sizes:
        n, signed = sizes[b]
        return int.from_bytes(raw[pos + 1 : pos + 1 + n], "big", signed=signed)
    return None


def _check_mmtf(raw: bytes) -> int:
    if raw[:2] == b"\x1f\x8b":
        raise _bad("mmtf", "it is gzip-compressed; decompress it first (gunzip)")
    if not raw or not (0x80 <= raw[0] <= 0x8F or raw[0] in (0xDE, 0xDF)):
        raise _bad("mmtf", "it does not start with a MessagePack map")
    if b"\xabmmtfVersion" not in raw:
        raise _bad("mmtf", "no mmtfVersion field")
    key = b"\xa8numAtoms"
    at = raw.find(key)
    n = _msgpack_int(raw, at + len(key)) if at >= 0 else None
    if n is None or n < 0:
        raise _bad("mmtf", "no numAtoms field")
    return n


_CHECKS: dict[str, Callable[[bytes], int]] = {
    "pdb": _check_pdb,
    "pqr": _check_pqr,
    "mmcif": _check_cif,
    "mcif": _check_cif,
    "cif": _check_cif,
    "sdf": _check_sdf,
    "sd": _check_sdf,
    "gro": _check_gro,
    "mol2": _check_mol2,
    "mmtf": _check_mmtf,
}


def _embed(mol: Any, seed: int, max_iters: int, what: str, limit: int) -> Any:
    """Add hydrogens, embed 3-D coordinates (ETKDGv3, fixed seed) and optimise a bounded number of steps."""
    Chem = require("rdkit.Chem", "Molecule")
    AllChem = require("rdkit.Chem.AllChem", "Molecule")
    mol = Chem.AddHs(Chem.Mol(mol))
    if mol.GetNumAtoms() > limit:  # embedding time grows steeply: 600 atoms take ~40 s
        raise LimitExceededError(
            f"{OWNER}: {what} has {mol.GetNumAtoms()} atoms with hydrogens, above "
            f"Molecule.MAX_EMBED_ATOMS ({limit}); embedding 3-D coordinates would take minutes. "
            "Pass a structure file with coordinates (PDB, SDF) or raise the limit."
        )
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed)
    with _quiet_rdkit():
        if AllChem.EmbedMolecule(mol, params) != 0:
            params.useRandomCoords = True
            if AllChem.EmbedMolecule(mol, params) != 0:
                raise EncodingError(f"{OWNER}: could not embed 3-D coordinates for {what}.")
        if max_iters > 0:
            if AllChem.MMFFHasAllMoleculeParams(mol):
                AllChem.MMFFOptimizeMolecule(mol, maxIters=int(max_iters))
            elif AllChem.UFFHasAllMoleculeParams(mol):
                AllChem.UFFOptimizeMolecule(mol, maxIters=int(max_iters))
    return mol


def _pdb_bytes(mol: Any) -> bytes:
    Chem = require("rdkit.Chem", "Molecule")
    return str(Chem.MolToPDBBlock(mol)).encode("ascii")


class Molecule(Media):
    """A molecular structure file (one of ``MOLECULE_TYPES``), kept as-is after a format check.

    ``data`` is a path or a text/binary file object; ``file_type`` is required for file objects
    without a name and overrides the extension otherwise.

    >>> Molecule("6lu7.pdb", caption="protease").save("out")["num_atoms"]  # doctest: +SKIP
    """

    _type: ClassVar[str] = "molecule-file"
    SCHEMA_VERSION: ClassVar[int] = 1
    MAX_EMBED_ATOMS: ClassVar[int] = 300  # SMILES / RDKit input: atoms (with H) embedded in 3-D

    def __init__(self, data: Any, file_type: str | None = None, caption: str | None = None) -> None:
        self.caption = check_caption(caption, OWNER)
        self.smiles: str | None = None
        if not isinstance(data, (str, os.PathLike)) and not hasattr(data, "read"):
            raise InvalidTypeError(
                f"{OWNER}: `data` expects a path or file object (use Molecule.from_smiles / "
                f"from_rdkit for SMILES and RDKit molecules); got {describe(data)}."
            )
        raw, name = read_path_or_file(data, "data", OWNER)
        ftype = file_type_of(file_type, name, OWNER, MOLECULE_TYPES)
        self.format = ftype
        self.num_atoms: int | None = _CHECKS[ftype](raw)
        self._raw = raw

    @classmethod
    def _from_pdb(cls, data: bytes, num_atoms: int, caption: str | None) -> Molecule:
        obj = cls.__new__(cls)
        obj.caption = check_caption(caption, OWNER)
        obj.smiles = None
        obj.format = "pdb"
        obj.num_atoms = num_atoms
        obj._raw = data
        return obj

    @classmethod
    def from_smiles(
        cls, smiles: str, caption: str | None = None, seed: int = 0, max_iters: int = 200
    ) -> Molecule:
        """Embed a SMILES string in 3-D (hydrogens added) and store it as PDB.

        >>> Molecule.from_smiles("CCO").num_atoms
        9
        """
        if not isinstance(smiles, str):
            raise InvalidTypeError(f"{OWNER}: `smiles` expects a str; got {describe(smiles)}.")
        Chem = require("rdkit.Chem", "Molecule.from_smiles")
        with _quiet_rdkit():
            mol = Chem.MolFromSmiles(smiles) if smiles.strip() else None
        if mol is None or mol.GetNumAtoms() == 0:
            raise InvalidInputError(
                f"{OWNER}: `smiles` could not be parsed by RDKit; got {smiles!r}."
            )
        mol = _embed(mol, seed, max_iters, f"SMILES {smiles[:80]!r}", cls.MAX_EMBED_ATOMS)
        obj = cls._from_pdb(_pdb_bytes(mol), mol.GetNumAtoms(), caption)
        obj.smiles = smiles
        return obj

    @classmethod
    def from_rdkit(
        cls, data: Any, caption: str | None = None, seed: int = 0, max_iters: int = 200
    ) -> Molecule:
        """An RDKit ``Mol`` or a ``.mol``/``.sdf`` path (first record) → PDB.

        A molecule that already has 3-D coordinates keeps them; otherwise hydrogens are added and
        coordinates embedded like ``from_smiles``.
        """
        Chem = require("rdkit.Chem", "Molecule.from_rdkit")
        if isinstance(data, (str, os.PathLike)):
            path = os.fspath(data)
            if not os.path.isfile(path):
                raise MediaFileNotFoundError(
                    f"{OWNER}: `data` expects an existing .mol/.sdf file; got {path!r}."
                )
            ext = Path(path).suffix.lower()
            if ext not in (".mol", ".sdf", ".sd"):
                raise UnsupportedFormatError(
                    f"{OWNER}.from_rdkit: `data` expects an RDKit Mol or a .mol/.sdf path; got "
                    f"{path!r}. Use Molecule(path) for other structure files."
                )
            with _quiet_rdkit():
                mol = next(iter(Chem.SDMolSupplier(path, removeHs=False)), None)
            if mol is None:
                raise DecodeError(f"{OWNER}: `data` {path!r} holds no molecule RDKit can parse.")
        elif isinstance(data, Chem.Mol):
            mol = data
        else:
            raise InvalidTypeError(
                f"{OWNER}.from_rdkit: `data` expects an rdkit.Chem.Mol or a .mol/.sdf path; got "
                f"{describe(data)}."
            )
        if mol.GetNumAtoms() == 0:
            raise InvalidInputError(f"{OWNER}.from_rdkit: `data` is a molecule without atoms.")
        if not (mol.GetNumConformers() and mol.GetConformer().Is3D()):
            mol = _embed(mol, seed, max_iters, "the RDKit molecule", cls.MAX_EMBED_ATOMS)
        return cls._from_pdb(_pdb_bytes(mol), mol.GetNumAtoms(), caption)

    def _encode(self) -> Encoded:
        fields: dict[str, Any] = {
            "format": self.format,
            "num_atoms": self.num_atoms,
            "caption": self.caption,
        }
        if self.smiles is not None:
            fields["smiles"] = self.smiles
        return Payload(ext=self.format, data=self._raw), fields

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Molecule:
        from .core.media import root_path

        obj = cls(
            root_path(root, manifest), file_type=manifest["format"], caption=manifest.get("caption")
        )
        obj.smiles = manifest.get("smiles")
        return obj

    def default_name(self) -> str:
        return "molecule"
