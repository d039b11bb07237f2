"""`N_` marks a message for translation without translating it here, so code
that must not import flask (services) can still raise translatable messages.
`pybabel extract -k N_` collects them; views translate with gettext."""


def N_(message: str) -> str:
    return message
