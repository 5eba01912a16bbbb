"""The limits Discord enforces on what a bot sends, with Discord's error bodies.

Each check returns ``None`` when the payload is acceptable, else ``(status, error_body)``.
Only the limits a bot realistically hits are checked; anything not checked is accepted.
"""

from __future__ import annotations

from typing import Any

Error = tuple[int, dict[str, Any]]

LOCALES = frozenset(
    ["id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko"]
)

EPHEMERAL = 1 << 6
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
ALLOWED_MESSAGE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2


def _form_error(errors: dict[str, Any]) -> Error:
    return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def _field_error(path: list[str | int], code: str, message: str) -> dict[str, Any]:
    tree: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        tree = {str(part): tree}
    return tree


def _too_long(path: list[str | int], limit: int) -> Error:
    return _form_error(_field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def _embed_chars(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def check_embeds(embeds: list[dict[str, Any]]) -> Error | None:
    if len(embeds) > 10:
        return _too_long(["embeds"], 10)
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            if len(embed.get(key) or "") > limit:
                return _too_long(["embeds", i, key], limit)
        if len((embed.get("footer") or {}).get("text") or "") > 2048:
            return _too_long(["embeds", i, "footer", "text"], 2048)
        if len((embed.get("author") or {}).get("name") or "") > 256:
            return _too_long(["embeds", i, "author", "name"], 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return _too_long(["embeds", i, "fields"], 25)
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key)
                if not text:
                    return _form_error(
                        _field_error(["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required")
                    )
                if len(text) > limit:
                    return _too_long(["embeds", i, "fields", j, key], limit)
    if sum(_embed_chars(embed) for embed in embeds) > 6000:
        return _form_error(
            _field_error(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    return None


def _walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        found += _walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                found += _walk_components([component[key]])
    return found


def check_components(components: list[dict[str, Any]], *, v2: bool) -> Error | None:
    if not v2 and len(components) > 5:
        return _too_long(["components"], 5)
    every = _walk_components(components)
    if v2 and len(every) > 40:
        return _too_long(["components"], 40)
    custom_ids: set[str] = set()
    for i, component in enumerate(components):
        if not v2 and component.get("type") != 1:
            return _form_error(
                _field_error(["components", i, "type"], "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
            )
        if component.get("type") == 1 and len(component.get("components") or []) > 5:
            return _too_long(["components", i, "components"], 5)
    for component in every:
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if len(custom_id) > 100:
                return _too_long(["components", "custom_id"], 100)
            if custom_id in custom_ids:
                return _form_error(
                    _field_error(["components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
                )
            custom_ids.add(custom_id)
        if component.get("type") == 2:
            if len(component.get("label") or "") > 80:
                return _too_long(["components", "label"], 80)
            link = component.get("style") == 5
            if link and not component.get("url"):
                return _form_error(_field_error(["components", "url"], "BASE_TYPE_REQUIRED", "This field is required"))
            if not link and component.get("style") != 6 and custom_id is None:
                return _form_error(
                    _field_error(["components", "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
                )
        if component.get("type") == 3 and not 1 <= len(component.get("options") or []) <= 25:
            return _form_error(
                _field_error(["components", "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
            )
    return None


def check_message(data: dict[str, Any], *, n_files: int, creating: bool) -> Error | None:
    """A message body (create or edit): content, embeds, components, flags, emptiness."""
    content = data.get("content")
    flags = int(data.get("flags") or 0)
    v2 = bool(flags & IS_COMPONENTS_V2)
    if content is not None and len(content) > 2000:
        return _too_long(["content"], 2000)
    if creating and flags & ~ALLOWED_MESSAGE_FLAGS:
        return _form_error(_field_error(["flags"], "MESSAGE_FLAGS_INVALID", "Invalid message flags"))
    embeds = data.get("embeds") or []
    error = check_embeds(embeds)
    if error:
        return error
    components = data.get("components") or []
    error = check_components(components, v2=v2)
    if error:
        return error
    if v2 and (content or embeds):
        return _form_error(
            _field_error(
                ["content"], "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        )
    if creating and not (content or embeds or components or n_files or data.get("sticker_ids") or data.get("poll")):
        return 400, {"message": "Cannot send an empty message", "code": 50006}
    return None


def check_modal(data: dict[str, Any]) -> Error | None:
    title = data.get("title") or ""
    if not 1 <= len(title) <= 45:
        return _form_error(_field_error(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length."))
    custom_id = data.get("custom_id") or ""
    if not 1 <= len(custom_id) <= 100:
        return _form_error(
            _field_error(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        return _form_error(
            _field_error(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        )
    for i, component in enumerate(components):
        label = component.get("label")
        if component.get("type") == 18 and not 1 <= len(label or "") <= 45:
            return _form_error(
                _field_error(["data", "components", i, "label"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
            )
        for inner in component.get("components") or [component.get("component") or {}]:
            if inner.get("type") == 4 and inner.get("label") is not None and len(inner["label"]) > 45:
                return _too_long(["data", "components", i, "components", 0, "label"], 45)
    return None


def check_choices(data: dict[str, Any]) -> Error | None:
    choices = data.get("choices")
    if choices is None or len(choices) > 25:
        return _form_error(
            _field_error(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        )
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            return _form_error(
                _field_error(["data", "choices", i, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
    return None


def _valid_command_name(name: str, *, chat_input: bool) -> bool:
    if not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return True
    return all((ch.isalnum() or ch in "-_'") and ch.lower() == ch for ch in name)


def _check_localizations(path: list[str | int], value: Any, *, name: bool, chat_input: bool) -> Error | None:
    if value is None:
        return None
    for locale, text in value.items():
        if locale not in LOCALES:
            return _form_error(
                _field_error(path + [locale], "LOCALE_INVALID", f"Invalid locale: {locale}")  # noqa: RUF005
            )
        if name and not _valid_command_name(text, chat_input=chat_input):
            return _form_error(
                _field_error(path + [locale], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")  # noqa: RUF005
            )
        if not name and not 1 <= len(text) <= 100:
            return _form_error(
                _field_error(path + [locale], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")  # noqa: RUF005
            )
    return None


def _check_options(path: list[str | int], options: list[dict[str, Any]]) -> Error | None:
    if len(options) > 25:
        return _too_long([*path, "options"], 25)
    seen_optional = False
    names: set[str] = set()
    for i, option in enumerate(options):
        here = [*path, "options", i]
        name = option.get("name") or ""
        if not _valid_command_name(name, chat_input=True):
            return _form_error(_field_error([*here, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        if name in names:
            return _form_error(
                _field_error([*here, "name"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists")
            )
        names.add(name)
        if not 1 <= len(option.get("description") or "") <= 100:
            return _form_error(
                _field_error([*here, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
        for key, is_name in (("name_localizations", True), ("description_localizations", False)):
            error = _check_localizations([*here, key], option.get(key), name=is_name, chat_input=True)
            if error:
                return error
        if len(option.get("choices") or []) > 25:
            return _too_long([*here, "choices"], 25)
        if option.get("type") in (1, 2):
            error = _check_options(here, option.get("options") or [])
            if error:
                return error
            continue
        if option.get("required"):
            if seen_optional:
                return _form_error(
                    _field_error(
                        [*here, "required"], "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
    return None


def check_command(command: dict[str, Any], index: int | None = None) -> Error | None:
    path: list[str | int] = [] if index is None else [index]
    kind = command.get("type", 1)
    chat_input = kind == 1
    if not _valid_command_name(command.get("name") or "", chat_input=chat_input):
        return _form_error(_field_error([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    description = command.get("description") or ""
    if chat_input and not 1 <= len(description) <= 100:
        return _form_error(
            _field_error([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )
    if not chat_input and description:
        return _form_error(
            _field_error([*path, "description"], "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description")
        )
    for key, is_name in (("name_localizations", True), ("description_localizations", False)):
        error = _check_localizations([*path, key], command.get(key), name=is_name, chat_input=chat_input)
        if error:
            return error
    return _check_options(path, command.get("options") or [])


def check_commands(commands: list[dict[str, Any]]) -> Error | None:
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        error = check_command(command, i)
        if error:
            return error
        key = (command.get("name", ""), command.get("type", 1))
        if key in seen:
            return _form_error(
                _field_error([i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Application command names must be unique: {key[0]}")
            )
        seen.add(key)
    if sum(1 for command in commands if command.get("type", 1) == 1) > 100:
        return _too_long([], 100)
    return None
