"""Cell templates: a Python snippet with `{{ name }}` placeholders and typed inputs.

`spec` is the format, `syntax` the allowed template language, `values` checks what a user
typed, `rendering` turns it into code (without executing anything), `library` loads the
built-in templates shipped as YAML in `builtin/`.
"""
