"""zh-CN first, en second: locale selection and the message catalogs that the
server (flask-babel) and the browser (vue-i18n) share.

Source strings are Chinese, so zh_CN needs no catalog and can never show a
missing translation; `translations/en` translates them to English."""
from __future__ import annotations

from babel.support import Translations
from flask import g, request, session
from flask_babel import Babel, format_datetime, get_locale

LOCALES = {"zh_CN": "简体中文", "en": "English"}


def select_locale() -> str:
    chosen = request.args.get("lang") if request else None
    if chosen in LOCALES:
        return chosen
    if session.get("locale") in LOCALES:
        return session["locale"]
    actor = g.get("actor")
    user_locale = getattr(actor, "locale", None)
    if user_locale in LOCALES:
        return user_locale
    return None  # flask-babel falls back to BABEL_DEFAULT_LOCALE (zh_CN)


def current_code() -> str:
    """"zh_CN" or "en" (Babel itself says zh_Hans_CN for the first)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def messages_for(locale: str) -> dict[str, str]:
    """The catalog as a flat {source: translation} dict, for the browser."""
    from flask import current_app

    if locale == "zh_CN":
        return {}
    translations = Translations.load(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], [locale])
    catalog = getattr(translations, "_catalog", {})
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k and v}


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["localtime"] = lambda value: format_datetime(value, "yyyy-MM-dd HH:mm")

    @app.context_processor
    def _i18n():
        locale = current_code()
        return {"current_locale": locale, "locales": LOCALES, "html_lang": "zh-CN" if locale == "zh_CN" else "en"}
