"""The rendered SKILL.md passes the Agent Skills reference validator.

`agentskills validate` comes from skills-ref 0.1.1 (the `test` extra). The broken
variants show that the validator rejects the mistakes a hand edit of the
frontmatter tends to make, so a passing run means something.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKILL_MD = ROOT / "SKILL.md"
# The console script is installed beside the interpreter that runs the tests.
AGENTSKILLS = Path(sys.executable).parent / "agentskills"


def validate(tmp_path: Path, text: str, folder: str = "gan-triage") -> tuple[int, str]:
    if not AGENTSKILLS.exists():
        pytest.skip("agentskills not installed; run pip install -e '.[test]'")
    skill_dir = tmp_path / folder
    skill_dir.mkdir()
    (skill_dir / "SKILL.md").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(AGENTSKILLS), "validate", str(skill_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.returncode, result.stdout + result.stderr


def rendered() -> str:
    return SKILL_MD.read_text(encoding="utf-8")


def replace_frontmatter_line(text: str, key: str, new_line: str) -> str:
    pattern = re.compile(rf"^{re.escape(key)}:.*$", flags=re.MULTILINE)
    assert len(pattern.findall(text)) == 1, f"expected one {key!r} line"
    return pattern.sub(lambda _: new_line, text, count=1)


def test_rendered_passes(tmp_path: Path) -> None:
    code, output = validate(tmp_path, rendered())

    assert code == 0, output
    assert "Valid skill" in output


def test_flow_list_fails(tmp_path: Path) -> None:
    text = replace_frontmatter_line(rendered(), "  tags", "  tags: [training]")

    code, output = validate(tmp_path, text)

    assert code == 1
    assert "disallowed JSONesque flow" in output


def test_unknown_key_fails(tmp_path: Path) -> None:
    text = replace_frontmatter_line(rendered(), "license", "license: MIT\nphase: 4")

    code, output = validate(tmp_path, text)

    assert code == 1
    assert "Unexpected fields in frontmatter: phase" in output


def test_long_description_fails(tmp_path: Path) -> None:
    # 1025 characters is one past the 1024 that the Agent Skills format allows.
    long_line = 'description: "' + "a" * 1025 + '"'
    text = replace_frontmatter_line(rendered(), "description", long_line)

    code, output = validate(tmp_path, text)

    assert code == 1
    assert "(1025 chars)" in output


def test_folder_name_mismatch_fails(tmp_path: Path) -> None:
    code, output = validate(tmp_path, rendered(), folder="gan_triage")

    assert code == 1
    assert "must match skill name 'gan-triage'" in output


def test_rendered_has_no_bom() -> None:
    raw = SKILL_MD.read_bytes()

    assert raw.startswith(b"---\n")
