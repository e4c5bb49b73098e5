"""The cockpit's written summary: a few sentences assembled from the cockpit's numbers.

Pure text assembly: no number is computed here that the cockpit (``reports.cockpit``) did not
compute; a sentence only formats them. Each sentence carries the numbers it shows
(``numbers``: name -> the cockpit's value) so that a test can check every one against the
analytics, and the page it links to. Labels, number formats and links come in as arguments
(``t``, ``fmt``, ``links``), so the module stays free of the UI and works in any language.

``fmt`` maps ``money``, ``money_delta`` (signed), ``pct``, ``pp`` (a signed change of a
ratio), ``points`` (its size, unsigned, after "rose" / "fell"), ``days``, ``date`` and ``text``
(data text such as a work center id, made safe for Markdown) to formatters; ``t``
is ``ui.i18n.t``; ``links`` maps a page key (``profitability``) to ``(title, url)``.
"""

from __future__ import annotations

from typing import Callable, Mapping

SENTENCE_PAGES = {"revenue": "ledger", "margin": "profitability", "bridge": "profitability", "variance": "profitability",
                  "oee": "oee", "budget": "budget", "cash": "cash", "working_capital": "cash"}


def _direction(change: float, digits: int = 4) -> str:
    return "up" if round(change, digits) > 0 else "down" if round(change, digits) < 0 else "flat"


def compute_summary(cockpit: dict, t: Callable[..., str], fmt: Mapping[str, Callable], links: Mapping[str, tuple[str, str]]) -> list[dict]:
    """The summary's sentences, in reading order: ``{"topic", "page", "numbers", "text",
    "markdown"}``, ``markdown`` being the text followed by a link to the page that explains it.
    A sentence whose numbers are unknown (no data for the span) is left out."""
    k = cockpit["kpis"]["current"]
    main = cockpit.get("main")
    change = (cockpit["changes"].get(main) or {}) if main else {}
    versus = t(f"vs_{main}") if main else ""
    out: list[dict] = []

    def add(topic: str, key: str, numbers: dict, **shown) -> None:
        text = t(key, **shown)
        title, url = links[SENTENCE_PAGES[topic]]
        out.append({"topic": topic, "page": SENTENCE_PAGES[topic], "numbers": numbers, "text": text,
                    "markdown": f"{text} [{title} →]({url})"})

    if k.get("revenue_amount") is not None:
        c = change.get("revenue_amount")
        if c is None:
            add("revenue", "cs_revenue", {"revenue_amount": k["revenue_amount"]}, v=fmt["money"](k["revenue_amount"]))
        else:
            add("revenue", "cs_revenue_change", {"revenue_amount": k["revenue_amount"], "revenue_change_amount": c},
                v=fmt["money"](k["revenue_amount"]), c=fmt["money_delta"](c), vs=versus)
    if k.get("gross_margin_pct") is not None:
        c = change.get("gross_margin_pct")
        if c is None:
            add("margin", "cs_margin", {"gross_margin_pct": k["gross_margin_pct"]}, v=fmt["pct"](k["gross_margin_pct"]))
        else:
            add("margin", f"cs_margin_{_direction(c)}", {"gross_margin_pct": k["gross_margin_pct"], "gross_margin_change_pct": c},
                v=fmt["pct"](k["gross_margin_pct"]), c=fmt["points"](abs(c)), vs=versus)
    driver = (cockpit.get("drivers") or {}).get("bridge")
    if driver is not None:
        numbers = {"gross_profit_change_amount": driver["change_amount"], "bridge_step_amount": driver["amount"]}
        shown = dict(c=fmt["money_delta"](driver["change_amount"]), step=t(f"bridge_{driver['step']}"), a=fmt["money_delta"](driver["amount"]))
        if driver["share_pct"] is not None and 0 < driver["share_pct"] <= 1:
            numbers["bridge_step_share_pct"] = driver["share_pct"]
            add("bridge", "cs_bridge_share", numbers, s=fmt["pct"](driver["share_pct"]), **shown)
        else:
            add("bridge", "cs_bridge", numbers, **shown)
    if k.get("variance_rate_pct") is not None:
        target = cockpit["target_variance_rate_pct"]
        numbers = {"variance_rate_pct": k["variance_rate_pct"], "target_variance_rate_pct": target}
        key = "cs_variance_over" if k["variance_rate_pct"] > target else "cs_variance_within"
        mover = (cockpit.get("drivers") or {}).get("variance")
        if mover is not None and mover.get("change_amount") is not None:
            numbers["work_center_variance_change_amount"] = mover["change_amount"]
            add("variance", key + "_mover", numbers, v=fmt["pct"](k["variance_rate_pct"]), target=fmt["pct"](target),
                wc=fmt["text"](mover["work_center_id"]), plant=fmt["text"](mover["plant_id"]), c=fmt["money_delta"](mover["change_amount"]))
        else:
            add("variance", key, numbers, v=fmt["pct"](k["variance_rate_pct"]), target=fmt["pct"](target))
    if k.get("oee_pct") is not None:
        numbers = {"oee_pct": k["oee_pct"], "oee_loss_amount": k["oee_loss_amount"]}
        c = change.get("oee_pct")
        if c is None:
            add("oee", "cs_oee", numbers, v=fmt["pct"](k["oee_pct"]), loss=fmt["money"](k["oee_loss_amount"]))
        else:
            numbers["oee_change_pct"] = c
            add("oee", "cs_oee_change", numbers, v=fmt["pct"](k["oee_pct"]), c=fmt["pp"](c), vs=versus,
                loss=fmt["money"](k["oee_loss_amount"]))
    if k.get("budget_execution_pct") is not None:
        ytd = (cockpit["kpis"].get("ytd") or {}).get("budget_execution_pct")
        numbers = {"budget_execution_pct": k["budget_execution_pct"]}
        if ytd is not None:
            numbers["ytd_budget_execution_pct"] = ytd
            add("budget", "cs_budget_ytd", numbers, v=fmt["pct"](k["budget_execution_pct"]), ytd=fmt["pct"](ytd))
        else:
            add("budget", "cs_budget", numbers, v=fmt["pct"](k["budget_execution_pct"]))
    cash = cockpit["cash"]
    if cash.get("lowest_cash_amount") is not None:
        add("cash", "cs_cash", {"cash_today_amount": cash["cash_today_amount"], "lowest_cash_amount": cash["lowest_cash_amount"]},
            today=fmt["money"](cash["cash_today_amount"]), d=fmt["date"](cash["as_of_date"]), low=fmt["money"](cash["lowest_cash_amount"]),
            week=fmt["date"](cash["lowest_cash_week_date"]))
    if k.get("ccc_days") is not None:
        add("working_capital", "cs_ccc", {name: k[name] for name in ("ccc_days", "dso_days", "dio_days", "dpo_days")},
            ccc=fmt["days"](k["ccc_days"]), dso=fmt["days"](k["dso_days"]), dio=fmt["days"](k["dio_days"]), dpo=fmt["days"](k["dpo_days"]))
    return out
