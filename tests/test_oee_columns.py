"""``analytics.oee.compute_minute_columns`` on codes (h-ovw3): the same frame as the signature
strings it replaced (each state x reason code's "work center=stop column" pairs joined, grouped),
for every convention on the sample, the sites' own classes, and random classes that differ by
work center."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import oee as A
from data_loaders import facts_oee as F
from data_loaders import oee as loaders
from data_loaders.scope import Scope
from tests.test_oee_facts import SETTINGS


def targets_by_text(classes: pd.DataFrame) -> pd.DataFrame:
    """``A.compute_stop_targets`` as it was computed before: a "kind|class" string per row."""
    pairs = pd.Series(classes.loss_kind.astype(object).to_numpy()).where(classes.loss_kind.notna().to_numpy(), "") + "|" + \
        pd.Series(classes.loss_class.astype(object).to_numpy()).where(classes.loss_class.notna().to_numpy(), "")
    codes, uniq = pd.factorize(pairs)
    target = {c: i for i, c in enumerate(A.STOP_COLUMNS)}
    per = np.array([target[f"stop_{k}_{c}_min"] if k else -1 for k, c in (u.split("|") for u in uniq)] + [-1], dtype=np.int64)
    return pd.DataFrame({"work_center_id": classes.work_center_id.astype(object).to_numpy(), "state": classes.state.astype(object).to_numpy(),
                         "reason_code": classes.reason_code.astype(object).where(classes.reason_code.notna(), "").to_numpy(),
                         "target": per[codes]})


def by_text(classes: pd.DataFrame) -> pd.DataFrame:
    """The columns as they were computed before: signature strings per state x reason code."""
    t = targets_by_text(classes).sort_values(["state", "reason_code", "work_center_id"])
    t["pair"] = t.work_center_id.astype(str) + "=" + t.target.astype(str)
    combos = t.groupby(["state", "reason_code"], sort=True).pair.agg("|".join).rename("signature").reset_index()
    code = combos.reason_code.where(combos.reason_code != "", None)
    combos["kind"] = A.compute_stop_kinds(combos.state, code).fillna(combos.state).to_numpy()
    kinds = t.merge(combos[["state", "reason_code", "kind"]], on=["state", "reason_code"])
    alike = kinds.groupby(["state", "kind"]).target.nunique().eq(1)
    alike = set(alike[alike].index)
    combos["signature"] = [f"kind={k}" if (st, k) in alike else sig for st, k, sig in zip(combos.state, combos.kind, combos.signature)]
    combos["column"] = "m" + combos.groupby(["state", "signature"], sort=False).ngroup().astype(str)
    whole = (combos.groupby("kind").column.transform("nunique").eq(1) & combos.groupby("column").kind.transform("nunique").eq(1)
             & combos.kind.isin(("running", "reduced_speed", *A.STOP_KINDS)))
    return pd.DataFrame({"column": combos.column, "state": combos.state, "reason_code": code, "kind": combos.kind,
                         "whole_kind": whole.to_numpy()})


def _same(classes: pd.DataFrame) -> pd.DataFrame:
    pd.testing.assert_frame_equal(A.compute_stop_targets(classes), targets_by_text(classes), check_exact=True)
    got = A.compute_minute_columns(classes)
    pd.testing.assert_frame_equal(got, by_text(classes), check_exact=True)
    return got


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_columns_of_the_sample_equal_the_signatures(sample_engine, name):
    settings = SETTINGS[name]
    for scope in (Scope(), Scope("2026-10", "2026-10"), Scope("2026-01", "2026-06", ("P2",))):
        by_reason = F.load_state_reason_minutes(sample_engine, scope)
        centers = loaders.load_work_centers(sample_engine, scope)
        site = loaders.load_loss_classes(sample_engine, scope) if settings.convention == "custom" else None
        _same(A.compute_segment_classes(by_reason, settings, site, centers))


def test_columns_of_random_classes_equal_the_signatures():
    rng = np.random.default_rng(7)
    codes = {"breakdown": ["BD-A", "BD-B", "BD-C"], "setup": ["SU-ADJUST", "SU-CHANGE", None], "planned_stop": ["PS-MAINT", "PS-BREAK"],
             "idle": [None, "ID-X"], "minor_stop": ["MS-1", "MS-2"], "running": [None], "reduced_speed": ["RS-1", None]}
    pairs = [(st, c) for st, cs in codes.items() for c in cs]
    for trial in range(40):
        centers = pd.DataFrame({"work_center_id": [f"WC{i:02d}" for i in range(12)], "plant_id": [f"P{i % 3}" for i in range(12)]})
        rows = [(wc, st, c) for wc in centers.work_center_id for st, c in pairs if rng.random() < 0.7]
        segments = pd.DataFrame(rows, columns=["work_center_id", "state", "reason_code"]).assign(minutes=1.0)
        # a site's classes by plant and code or state: some codes land elsewhere on some plants
        picks = [(p, code) for p in ("P0", "P1", "P2") for code in ["BD-B", "SU-CHANGE", "PS-BREAK", "idle", "MS-2", "setup"]
                 if rng.random() < (0.2 + 0.6 * (trial % 2))]
        site = pd.DataFrame([(p, code, rng.choice(A.LOSS_CLASSES)) for p, code in picks], columns=["plant_id", "code", "loss_class"])
        settings = A.OeeSettings(convention="custom") if trial % 4 else A.OeeSettings()
        got = _same(A.compute_segment_classes(segments, settings, site, centers))
        if trial % 4 and len(site):
            assert len(got) == segments[["state", "reason_code"]].drop_duplicates().shape[0]


def test_columns_of_nothing():
    empty = pd.DataFrame({"work_center_id": pd.Series(dtype=object), "state": pd.Series(dtype=object),
                          "reason_code": pd.Series(dtype=object), "minutes": pd.Series(dtype=float)})
    assert A.compute_minute_columns(A.compute_segment_classes(empty)).empty
