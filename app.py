"""Router entry point: ``streamlit run app.py``. The body lives in ui/router.py."""

from ui.router import run

run()
