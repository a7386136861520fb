"""Read a hand file, MJCF or URDF, into an MjSpec; every failure is one line naming the file.

MuJoCo reads URDF itself, with three defaults that are wrong for a hand: it fuses a base link without a
joint into the world (the palm would vanish into the wrist: no particles), it strips mesh paths to their
file names, and it cannot resolve `package://`. We therefore rewrite the URDF before MuJoCo reads it:
mesh paths become absolute (relative ones against the URDF's folder, `package://NAME/...` against the
folders around it) and static bodies are kept (`fusestatic` off, for MJCF too). Visual elements are
dropped, as MuJoCo's URDF import does anyway: particles lie on collision geometry.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco

from xembody.errors import XembodyError

HAND_FILE_SUFFIXES = (".xml", ".urdf")


def is_urdf(path: Path) -> bool:
    """A .urdf file, or an XML file whose root element is <robot>."""
    if path.suffix.lower() == ".urdf":
        return True
    try:
        for _, element in ET.iterparse(path, events=("start",)):
            return element.tag == "robot"
    except (ET.ParseError, OSError):
        pass  # MuJoCo names the problem when it reads the file as MJCF
    return False


def read_spec(path: str | Path) -> mujoco.MjSpec:
    """Parse an MJCF or URDF hand file into an MjSpec, checked by compiling it."""
    path = Path(path)
    urdf = path.is_file() and is_urdf(path)
    kind = "URDF" if urdf or path.suffix.lower() == ".urdf" else "MJCF"
    if not path.is_file():
        raise XembodyError(f"{path}: no such {kind} file")
    try:
        if urdf:
            spec = mujoco.MjSpec.from_string(urdf_for_mujoco(path))
        else:
            spec = mujoco.MjSpec.from_file(str(path))
        spec.compiler.fusestatic = False  # a palm without joints is a link of the hand, not part of the world
        spec.compile()  # surface missing assets and invalid models here, not later
    except XembodyError:
        raise
    except Exception as e:  # MuJoCo raises ValueError for XML and compile errors alike
        raise XembodyError(f"{path}: not a valid {kind} model: {e}") from None
    return spec


def urdf_for_mujoco(path: Path) -> str:
    """The URDF's text with absolute mesh paths, no visual elements and static links kept."""
    try:
        robot = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise XembodyError(f"{path}: not a valid URDF model: {e}") from None
    for link in robot.iter("link"):
        for visual in link.findall("visual"):
            link.remove(visual)
    for mesh in robot.iter("mesh"):
        mesh.set("filename", str(resolve_mesh(path, mesh.get("filename", ""))))
    ext = robot.find("mujoco")
    if ext is None:
        ext = ET.SubElement(robot, "mujoco")
    compiler = ext.find("compiler")
    if compiler is None:
        compiler = ET.SubElement(ext, "compiler")
    compiler.set("strippath", "false")  # keep our absolute paths
    compiler.set("fusestatic", "false")
    compiler.attrib.pop("meshdir", None)
    return ET.tostring(robot, encoding="unicode")


def resolve_mesh(urdf: Path, filename: str) -> Path:
    """A URDF mesh reference as an absolute path: relative to the URDF's folder, or `package://NAME/REST`
    found as REST under a folder named NAME (or the folder holding the URDF, or one above it)."""
    here = urdf.resolve().parent
    if filename.startswith("file://"):
        filename = filename[len("file://") :]
    if filename.startswith("package://"):
        package, _, rest = filename[len("package://") :].partition("/")
        folders = [here, *here.parents]
        candidates = [f / rest for f in folders if f.name == package]
        candidates += [f / package / rest for f in folders] + [here / rest, here.parent / rest]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise XembodyError(
                f"{urdf}: mesh {filename} not found: package {package!r} is looked for in the folders "
                f"around the URDF ({here}); place the package there or write a path relative to the URDF"
            )
        return found
    found = here / filename  # an absolute filename stays as it is
    if not found.is_file():
        raise XembodyError(f"{urdf}: mesh file {filename} not found (relative paths start at {here})")
    return found
