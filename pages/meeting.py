"""Monthly business–finance meeting (业财联席会): freeze the month's snapshot or reopen a past one,
then present it topic by topic in the fixed agenda, with comments and action items.

The presentation shows only the frozen snapshot (``ui.meeting``); comments and action items are
read live from the application store. ← / → and PageUp / PageDown (what a clicker sends) move
between topics through the buttons' keyboard shortcuts.
"""

import functools

import streamlit as st

from ui import data
from ui import meeting as M
from ui.filters import month_label
from ui.i18n import lang, t
from ui.page import open_page
from ui.text import md
from ui.widgets import choice, set_choice

KEY_SNAPSHOT, KEY_TOPIC, KEY_MESSAGE = "mt_snapshot", "mt_topic", "_mt_message"
STATUSES = M.STATUSES
N_TOPICS = len(M.AGENDA)


def _step(k: int) -> None:
    st.session_state[KEY_TOPIC] = min(max(st.session_state.get(KEY_TOPIC, 0) + k, 0), N_TOPICS - 1)


def _open(snapshot_id: int) -> None:
    st.session_state[KEY_SNAPSHOT] = int(snapshot_id)
    st.session_state[KEY_TOPIC] = 0


def _exit() -> None:
    st.session_state.pop(KEY_SNAPSHOT, None)


def _switch_language() -> None:
    set_choice("lang", "en" if lang() == "zh" else "zh")


def _plants_text(plants) -> str:
    return t("mt_plants", p="、".join(plants)) if plants else t("mt_all_plants")


def _add_comment(snapshot_id: int, topic: str) -> None:
    text = st.session_state.get("mt_comment_text", "")
    if not text.strip():
        return
    M.add_comment(snapshot_id, topic, text)
    st.session_state["mt_comment_text"] = ""


def _add_action(snapshot: dict, snapshot_id: int, topic: str) -> None:
    text, owner = st.session_state.get("mt_action_text", ""), st.session_state.get("mt_action_owner", "")
    if not text.strip() or not owner.strip():
        st.session_state[KEY_MESSAGE] = "mt_need_text_owner"
        return
    M.add_action(snapshot, snapshot_id, topic, text, owner, st.session_state.get("mt_action_due"))
    for key in ("mt_action_text", "mt_action_owner"):
        st.session_state[key] = ""
    st.session_state["mt_action_due"] = None


def _set_status(action_id: int, month: str) -> None:
    M.set_status(action_id, st.session_state[f"mt_status_{action_id}"], month)


def render_items(items: list[dict], month: str, recording: bool) -> None:
    """Action items, one line each, with their status (a control for those who record)."""
    if not items:
        st.markdown(md(t("mt_no_items")))
        return
    for item in items:
        text, status = st.columns([5, 1.2], vertical_alignment="center")
        text.markdown(md(t("mt_item_line", id=item["id"], text=item["text"], owner=item["owner"],
                           due=item["due_date"] or t("mt_no_due"), topic=t(f"mt_topic_{item['topic']}"),
                           opened=month_label(item["month_opened"]))))
        key = f"mt_status_{item['id']}"
        if recording:
            set_choice(key, item["status"])  # the store's status, also when another session changed it
            choice("selectbox", t("mt_item_status", id=item["id"]), STATUSES, lambda s: t(f"mt_status_{s}"), key, item["status"],
                   where=status, on_change=functools.partial(_set_status, item["id"], month), label_visibility="collapsed")
        else:
            status.markdown(md(t(f"mt_status_{item['status']}")))


def render_record(snapshot: dict, snapshot_id: int, topic: str, items: list[dict]) -> None:
    """The topic's comments and action items: what the meeting records as it goes."""
    recording = M.may_record()
    with st.expander(t("mt_record"), expanded=False):
        if not recording:
            st.info(t("mt_watch_only"))
        st.markdown(f"**{t('mt_comments')}**")
        said = M.comments(snapshot_id, topic)
        for c in said:
            st.markdown(md(f"{c['author']} · {c['at'].replace('T', ' ')[:16]}: {c['text']}"))
        if not said:
            st.markdown(md(t("mt_no_comments")))
        if recording:
            st.text_area(t("mt_comment"), key="mt_comment_text", height=100)
            st.button(t("mt_add_comment"), key="mt_add_comment", on_click=_add_comment, args=(snapshot_id, topic))
            st.markdown(f"**{t('mt_new_action')}**")
            what, who, due = st.columns([3, 1.2, 1.2])
            what.text_input(t("mt_action_text"), key="mt_action_text")
            who.text_input(t("mt_action_owner"), key="mt_action_owner")
            due.date_input(t("mt_action_due"), value=None, key="mt_action_due", format="YYYY-MM-DD")
            st.button(t("mt_add_action"), key="mt_add_action", type="primary", on_click=_add_action, args=(snapshot, snapshot_id, topic))
            message = st.session_state.pop(KEY_MESSAGE, None)
            if message:
                st.warning(t(message))
        if topic != "actions":
            st.markdown(f"**{t('mt_open_items')}**")
            render_items([i for i in items if i["topic"] == topic], snapshot["month"], recording)


def render_setup() -> None:
    """Pick the month's snapshot: freeze a new one or reopen a past one."""
    url, scope, _ = open_page("page_meeting", applies=("period", "plants"))
    month = M.meeting_month(scope)
    if month is None:
        st.info(t("no_data"))
        st.stop()
    st.subheader(t("mt_month", m=month_label(month)), help=t("mt_month_help"))
    as_of = data.dataset_info(url).get("as_of_date", "—")
    if M.may_record():
        if st.button(t("mt_freeze"), key="mt_freeze", type="primary", help=t("mt_freeze_help", as_of=as_of)):
            with st.spinner(t("calculating"), show_time=True):
                new_id = M.freeze(url, scope, month)
            _open(new_id)
            st.rerun()
    past = M.snapshots(month, scope.plants)
    if not past:
        st.info(t("mt_no_snapshot") if M.may_record() else t("mt_no_snapshot_viewer"))
        return
    ids = [p["id"] for p in past]
    labels = {p["id"]: t("mt_snapshot_label", id=p["id"], at=p["created_at"].replace("T", " ")[:16], by=p["created_by"], as_of=p["as_of"])
              + " · " + _plants_text(p["plants"]) for p in past}
    picked = choice("selectbox", t("mt_snapshots"), ids, labels.get, "mt_pick", ids[0])
    st.button(t("mt_open"), key="mt_open", on_click=_open, args=(picked,))
    render_pack(picked, scope.plants)


def render_pack(snapshot_id: int, plants) -> None:
    """The month-end pack of the chosen snapshot: the same numbers as the meeting (docs/EXPORTS.md)."""
    st.subheader(t("mt_pack"), help=t("mt_pack_help"))
    if not M.may_export():
        st.caption(t("export_not_permitted"))
        return
    built = st.session_state.get("_mt_pack")
    if st.button(t("mt_pack_build"), key="mt_pack_build"):
        with st.spinner(t("calculating"), show_time=True):
            built = {"id": snapshot_id, "lang": lang(), **(M.pack_files(snapshot_id, plants) or {"files": {}})}
        st.session_state["_mt_pack"] = built
    if not built or built["id"] != snapshot_id or built["lang"] != lang():
        return
    if built.get("charts_note"):
        st.caption(md(built["charts_note"]))
    columns = st.columns(3)
    for column, (name, payload) in zip(columns, built["files"].items()):
        column.download_button(name, payload, file_name=f"{name.rsplit('.', 1)[0]}_{snapshot_id}.{name.rsplit('.', 1)[1]}",
                               key=f"mt_pack_{name}", width="stretch")


def render_presentation(snapshot_id: int) -> None:
    """One topic of the snapshot per screen, with the meeting's controls in one line on top."""
    _, scope, _ = data.context()
    snapshot = M.load_snapshot(snapshot_id, scope.plants)
    if snapshot is None:  # not this user's plants, or gone: back to the choice
        _exit()
        st.rerun()
    M.apply_presentation_style()
    i = min(st.session_state.get(KEY_TOPIC, 0), N_TOPICS - 1)
    topic = snapshot["topics"][i]
    bar = st.columns([4.5, 1.9, 1.9, 1.3, 1], vertical_alignment="center")  # "◀ Previous ←" whole at 28 px on 1440 px
    # the as-of date with non-breaking hyphens: a narrow header wraps before the date, never inside it
    bar[0].markdown(md(t("mt_header", m=month_label(snapshot["month"]), id=snapshot_id, as_of=str(snapshot["as_of"]).replace("-", "\u2011"),
                         plants=_plants_text(snapshot["plants"])) + f" · {i + 1} / {N_TOPICS}"))
    bar[1].button("◀ " + t("mt_prev"), key="mt_prev", on_click=_step, args=(-1,), disabled=i == 0, shortcut="Left", width="stretch")
    bar[2].button(t("mt_next") + " ▶", key="mt_next", on_click=_step, args=(1,), disabled=i == N_TOPICS - 1, shortcut="Right",
                  width="stretch")
    bar[3].button("English" if lang() == "zh" else "中文", key="mt_lang", on_click=_switch_language, width="stretch")
    bar[4].button(t("mt_exit"), key="mt_exit", on_click=_exit, width="stretch")
    # a clicker sends PageUp / PageDown: two more shortcuts on buttons the style hides
    st.button("PageUp", key="mt_prev_page", on_click=_step, args=(-1,), shortcut="PageUp")
    st.button("PageDown", key="mt_next_page", on_click=_step, args=(1,), shortcut="PageDown")

    items = M.items(snapshot["month"], snapshot["plants"])
    M.render_topic(topic, snapshot["currency"], live_items=items if topic["key"] == "actions" else None)
    if topic["key"] == "actions":
        st.subheader(t("mt_open_items"))
        render_items(items, snapshot["month"], M.may_record())
    render_record(snapshot, snapshot_id, topic["key"], items)


if st.session_state.get(KEY_SNAPSHOT) is None:
    render_setup()
else:
    render_presentation(st.session_state[KEY_SNAPSHOT])
