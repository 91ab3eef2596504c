"""Write evals/cases/real.jsonl and evals/cases/runs.jsonl from the copied data.

Run from the repository root: ``.venv/bin/python evals/make_cases.py``. The
output is committed, so a change to the data or to this script shows up as a
diff in the case files.

Each public report gives two cases: its structured fields, and its chat-message
form (``free_text``). Each training log gives one case: the log path, the
sample note and the loss from ``labels.csv``. Labels are copied as given; a
blank label means the run is ambiguous and stays unscored.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import yaml

EVALS = Path(__file__).resolve().parent
REAL = EVALS / "data" / "real"
RUNS = EVALS / "data" / "runs"
CASES = EVALS / "cases"

# Fixes that the runs measured (3 seeds each), where a fix was applied to a
# failing configuration: only the fixes that cured the mode are acceptable.
MEASURED_FIXES = {
    "d_wins": ["spectral_norm"],
    "mode_collapse": ["label_conditioning"],
}

# Config-name suffixes of the runs and the catalog fix each one applied.
APPLIED_FIX_SUFFIXES = {
    "sn": "spectral_norm",
    "halfdlr": "halve_d_lr",
    "ttur": "ttur",
    "wgangp": "wgan_gp",
    "bs2x": "double_batch",
    "cond": "label_conditioning",
    "mbd": "minibatch_discrimination",
    "ns": "non_saturating_loss",
}


def _label(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def real_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(REAL.glob("report-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = path.stem
        fields = {
            key: data[key]
            for key in ("d_loss_trend", "g_loss_trend", "sample_notes")
            if key in data
        }
        if data.get("loss_type") not in (None, "unknown"):
            fields["loss_type"] = data["loss_type"]
        common = {
            "set": "real",
            "labels": {
                "strict": _label(data.get("expected")),
                "expert": _label(data.get("expected_expert")),
            },
            "confidence": data.get("confidence"),
            "tags": {"loss_type": data.get("loss_type", "unknown"), "source": "issue"},
            "source": data.get("source"),
            "label_source": "hand label from the public thread (data/real)",
        }
        cases.append(
            {
                "id": f"real/{name}/fields",
                "input": {"kind": "fields", "fields": fields},
                **common,
            }
        )
        cases.append(
            {
                "id": f"real/{name}/text",
                "input": {"kind": "text", "text": data["free_text"]},
                **common,
            }
        )
    return cases


def _g_objective(loss: str) -> str | None:
    if "non-saturating" in loss:
        return "non-saturating"
    if "saturating" in loss:
        return "saturating"
    return None


def _loss_type(loss: str) -> str:
    return "wgan-gp" if loss.startswith("wgan-gp") else "bce-sum"


def _applied_fixes(run: str) -> list[str]:
    # "digits_dwins_sn_halfdlr_s0": data set, failing config, fixes, seed.
    parts = run.split("_")[2:-1]
    return [
        APPLIED_FIX_SUFFIXES[part] for part in parts if part in APPLIED_FIX_SUFFIXES
    ]


def run_cases() -> list[dict[str, Any]]:
    cases = []
    with (RUNS / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        run, loss = row["run"], row["loss"]
        labels = {
            "strict": _label(row["expected"]),
            "expert": _label(row["expected_expert"]),
        }
        case: dict[str, Any] = {
            "id": f"runs/{run}",
            "set": "runs",
            "input": {
                "kind": "log",
                "path": f"data/runs/{run}.csv",
                "samples": row["sample_notes"],
                "loss_type": _loss_type(loss),
            },
            "labels": labels,
            "tags": {
                "loss_type": _loss_type(loss),
                "source": "training log",
                "intended": row["intended"],
            },
            "source": "data/runs/README.md",
            "label_source": "labels.csv, judged from sample metrics and images",
        }
        objective = _g_objective(loss)
        if objective is not None:
            case["input"]["g_objective"] = objective
        applied = _applied_fixes(run)
        if applied:
            case["tags"]["applied_fixes"] = applied
        if labels["expert"] in MEASURED_FIXES:
            case["acceptable_fixes"] = {"expert": MEASURED_FIXES[labels["expert"]]}
        cases.append(case)
    return cases


def write_jsonl(path: Path, cases: list[dict[str, Any]]) -> None:
    lines = [json.dumps(case, ensure_ascii=False, sort_keys=True) for case in cases]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {path.relative_to(EVALS.parent)}")


def main() -> None:
    CASES.mkdir(exist_ok=True)
    write_jsonl(CASES / "real.jsonl", real_cases())
    write_jsonl(CASES / "runs.jsonl", run_cases())


if __name__ == "__main__":
    main()
