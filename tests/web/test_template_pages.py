"""The template library pages: browse and search the built-in, public and own templates;
create and edit one's own with a live preview; invalid templates come back with each problem
under its field and everything as typed; other people's templates cannot be changed."""

from __future__ import annotations

import html
import re

import httpx
from fastapi import FastAPI

from tests.support.accounts import browser
from tests.support.cells import template_id
from tests.support.world import Person, make_person

SCALE = {
    "title": "Standardize a column",
    "slug": "",
    "category": "Prepare",
    "description": "z = (x - mean) / sd",
    "visibility": "private",
    "code": '{{ data }}[{{ column }} + "_z"] = {{ data }}[{{ column }}] / {{ spread }}\n',
    "inputs": (
        "- {name: data, type: dataframe, label: Table, default: df, required: true}\n"
        "- {name: column, type: column, label: Column, of: data, required: true}\n"
        "- {name: spread, type: number, label: Spread, default: 2.5, min: 0}\n"
    ),
    "outputs": "",
}


def field_error(page: str, name: str) -> str:
    """The text of the message shown under the editor's field `name`."""
    found = re.search(rf'<p class="field-error" id="template-{name}-error">(.*?)</p>', page, re.S)
    assert found, f"no error under {name}"
    return html.unescape(re.sub(r"<[^>]+>", "", found[1])).removeprefix("⚠ ")


async def own_template_id(client: httpx.AsyncClient, title: str) -> str:
    """The id of the caller's newest template with this title, from the JSON API."""
    listed = await client.get("/api/v1/cell-templates", params={"q": title, "limit": 100})
    ids = [t["id"] for t in listed.json()["items"] if t["owner_id"] and t["title"] == title]
    assert len(ids) == 1, listed.text
    return str(ids[0])


async def create(client: httpx.AsyncClient, **changes: str) -> str:
    """A new template through the editor; its id."""
    response = await client.post("/templates", data=SCALE | changes)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/templates?notice=saved"
    return await own_template_id(client, changes.get("title", SCALE["title"]))


async def test_the_library_shows_the_built_in_templates_by_category(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        page = await client.get("/templates")

    assert page.status_code == 200
    assert '<h2 id="shelf-builtin">Built-in templates</h2>' in page.text
    for title in ("Descriptive statistics", "Load a CSV or TSV file", "Histogram"):
        assert title in page.text, title
    # In the order of an analysis, not alphabetically: Import, Prepare, Describe …
    assert '<h3 id="shelf-builtin-1">Import</h3>' in page.text
    assert '<h3 id="shelf-builtin-3">Describe</h3>' in page.text
    assert page.text.index(">Prepare</h3>") < page.text.index(">Export</h3>")
    assert f'href="/templates/{template_id("descriptives")}"' in page.text
    assert "You have no templates here yet." in page.text
    assert '<a href="/templates" aria-current="page">Templates</a>' in page.text


async def test_search_and_category_filter_the_library(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        searched = await client.get("/templates", params={"q": "histo"})
        fragment = await client.get(
            "/templates", params={"category": "Import"}, headers={"HX-Request": "true"}
        )
        nothing = await client.get("/templates", params={"q": "no such thing"})

    assert "Histogram" in searched.text
    assert "Descriptive statistics" not in searched.text
    assert "1 template matching “histo”." in searched.text
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="template-list"' in fragment.text
    assert "Load an SPSS file" in fragment.text
    assert "Histogram" not in fragment.text
    assert "0 templates matching" in nothing.text
    assert "No match here." in nothing.text


async def test_a_created_template_is_listed_and_opens_in_the_editor(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        new_page = await client.get("/templates/new")
        created = await create(client)
        library = await client.get("/templates?notice=saved")
        editor = await client.get(f"/templates/{created}")
        api = await client.get(f"/api/v1/cell-templates/{created}")

    assert new_page.status_code == 200
    assert 'action="/templates"' in new_page.text
    own = library.text.split('id="shelf-own"')[1].split('id="shelf-builtin"')[0]
    assert f'<a class="template-link" href="/templates/{created}">Standardize a column</a>' in own
    assert "Only me" in own
    assert "Your changes have been saved." in library.text
    assert editor.status_code == 200
    assert "Edit “Standardize a column”" in editor.text
    assert "Short name: <code>standardize-a-column</code>" in editor.text
    # The preview is rendered with the page: the generated form and the code.
    assert 'name="in.spread"' in editor.text
    assert "df[&#39;a column&#39; + &#34;_z&#34;] = df[&#39;a column&#39;] / 2.5" in editor.text
    assert api.json()["slug"] == "standardize-a-column"
    assert api.json()["inputs"][2] == {
        "name": "spread",
        "type": "number",
        "label": "Spread",
        "default": 2.5,
        "min": 0.0,
        "help": "",
        "required": False,
    }


async def test_an_invalid_template_shows_each_problem_under_its_field_and_keeps_the_text(
    app: FastAPI,
) -> None:
    ada = await make_person(app, "ada")
    typed = SCALE | {
        "title": "Shaky <template>",
        "code": "{{ data.head() }}\n{{ missing }}\n",
        "inputs": (
            "- {name: data, type: table, default: df}\n- {name: n, type: integer, default: half}\n"
        ),
    }
    async with ada.client(app) as client:
        refused = await client.post("/templates", data=typed)
        fragment = await client.post("/templates", data=typed, headers={"HX-Request": "true"})
        bad_yaml = await client.post("/templates", data=SCALE | {"inputs": "- {name: data"})
        nothing = await client.post("/templates", data=SCALE | {"title": "", "category": ""})
        library = await client.get("/templates")

    assert refused.status_code == 422
    page = refused.text
    assert "Please correct the fields marked below." in page
    inputs_error = field_error(page, "inputs")
    assert "Input 1 (`data`), type: `table` is not an input type; use one of text" in inputs_error
    assert 'id="template-inputs" name="inputs"' in page
    described = 'aria-describedby="template-inputs-help template-inputs-error"'
    assert f'aria-invalid="true" {described}' in page
    # Everything typed comes back, escaped.
    assert 'value="Shaky &lt;template&gt;"' in page
    assert "{{ data.head() }}\n{{ missing }}\n</textarea>" in page
    assert "- {name: n, type: integer, default: half}\n</textarea>" in page
    # htmx gets the form and its preview alone, to swap in.
    assert fragment.status_code == 422
    assert fragment.text.lstrip().startswith('<div id="template-editor"')
    assert 'value="Shaky &lt;template&gt;"' in fragment.text
    assert bad_yaml.status_code == 422
    assert "Inputs cannot be read as YAML or JSON (line 1)" in field_error(bad_yaml.text, "inputs")
    assert nothing.status_code == 422
    assert field_error(nothing.text, "title") == "Title is required."
    assert field_error(nothing.text, "category") == "Category is required."
    assert "Shaky" not in library.text


async def test_problems_in_the_code_and_defaults_are_named(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        code = await client.post(
            "/templates", data=SCALE | {"code": "{{ data.columns }}\n{{ column }}{{ spread }}\n"}
        )
        default = await client.post(
            "/templates",
            data=SCALE | {"inputs": SCALE["inputs"].replace("default: 2.5", "default: -1")},
        )
        await create(client)
        again = await client.post("/templates", data=SCALE)

    assert "Line 1: attribute access (`x.y`) are not allowed" in field_error(code.text, "code")
    assert field_error(default.text, "inputs") == (
        "Input 3 (`spread`), default: must be at least 0."
    )
    assert again.status_code == 422
    assert "already have a template with the slug standardize-a-column" in field_error(
        again.text, "slug"
    )


async def test_the_preview_shows_the_form_controls_and_the_rendered_code(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        preview = await client.post(
            "/templates/preview", data=SCALE, headers={"HX-Request": "true"}
        )
        broken = await client.post(
            "/templates/preview",
            data=SCALE | {"code": "{{ data }}{% for x in y %}{% endfor %}"},
            headers={"HX-Request": "true"},
        )
        empty = await client.post("/templates/preview", data=SCALE | {"code": ""})

    assert preview.status_code == 200
    text = preview.text
    assert "<html" not in text
    assert '<section id="template-preview"' in text
    assert '<label for="preview-in-data">Table <span class="required"' in text
    assert '<select id="preview-in-data" name="in.data" required>' in text
    assert '<option value="df" selected>df</option>' in text
    assert '<input id="preview-in-column" name="in.column" type="text" value=""' in text
    assert 'name="in.spread" type="number" value="2.5" step="any" min="0"' in text
    # Defaults where given; a sample value for the column, which has none.
    assert "df[&#39;a column&#39; + &#34;_z&#34;] = df[&#39;a column&#39;] / 2.5" in text
    assert "aria-invalid" not in text
    assert broken.status_code == 200
    assert "The template cannot be used yet" in broken.text
    assert "{% for %} loops are not allowed" in html.unescape(broken.text)
    assert "Type the code to see the form" in empty.text


async def test_editing_saves_a_new_version(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        first = await create(client)
        edited = await client.post(
            f"/templates/{first}", data=SCALE | {"title": "Scale a column", "visibility": "public"}
        )
        second = await own_template_id(client, "Scale a column")
        page = await client.get(f"/templates/{second}")
        refused = await client.post(f"/templates/{second}", data=SCALE | {"code": "{{ nope }}"})

    assert edited.status_code == 303
    assert second != first
    assert "Edit “Scale a column”" in page.text
    assert "Version 2" in page.text
    assert "Saving makes version 3" in page.text
    assert '<option value="public" selected>' in page.text
    assert refused.status_code == 422
    assert "`nope` is not an input" in field_error(refused.text, "code")
    assert "Short name: <code>standardize-a-column</code>" in refused.text


async def other_persons_template(app: FastAPI, visibility: str) -> tuple[Person, str]:
    bob = await make_person(app, f"bob-{visibility}")
    async with bob.client(app) as client:
        return bob, await create(client, visibility=visibility)


async def test_other_peoples_templates_cannot_be_edited_or_deleted(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    _, private = await other_persons_template(app, "private")
    _, public = await other_persons_template(app, "public")
    builtin = template_id("descriptives")
    async with ada.client(app) as client:
        hidden = await client.get(f"/templates/{private}")
        edit_hidden = await client.post(f"/templates/{private}", data=SCALE)
        shown = await client.get(f"/templates/{public}")
        edit_public = await client.post(f"/templates/{public}", data=SCALE)
        delete_public = await client.post(f"/templates/{public}/delete")
        confirm_public = await client.get(f"/templates/{public}/delete")
        edit_builtin = await client.post(f"/templates/{builtin}", data=SCALE)
        builtin_page = await client.get(f"/templates/{builtin}")
        library = await client.get("/templates")

    assert hidden.status_code == 404
    assert edit_hidden.status_code == 404
    assert shown.status_code == 200
    assert "Shared by another user" in shown.text
    assert 'id="template-form"' not in shown.text
    assert f'href="/templates/new?copy={public}"' in shown.text
    assert edit_public.status_code == 403
    assert "Only the author of a template can change it." in edit_public.text
    assert delete_public.status_code == 403
    assert confirm_public.status_code == 403
    assert edit_builtin.status_code == 403
    assert "Built-in templates cannot be changed" in edit_builtin.text
    assert "Descriptive statistics" in builtin_page.text
    shared = library.text.split('id="shelf-shared"')[1]
    assert f'href="/templates/{public}"' in shared
    assert private not in library.text


async def test_a_copy_starts_from_another_template(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        page = await client.get("/templates/new", params={"copy": template_id("histogram")})

    assert page.status_code == 200
    assert 'value="Histogram"' in page.text
    assert 'id="template-slug" name="slug" type="text" value=""' in page.text
    assert "histogram(" in page.text


async def test_deleting_asks_first_and_removes_the_template(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        created = await create(client)
        confirm = await client.get(f"/templates/{created}/delete")
        deleted = await client.post(f"/templates/{created}/delete")
        library = await client.get(deleted.headers["location"])
        gone = await client.get(f"/templates/{created}")

    assert confirm.status_code == 200
    assert "Delete “Standardize a column”?" in confirm.text
    assert f'action="/templates/{created}/delete"' in confirm.text
    assert deleted.status_code == 303
    assert "The template was deleted." in library.text
    assert "Standardize a column" not in library.text
    assert gone.status_code == 404


async def test_anonymous_visitors_are_sent_to_sign_in(app: FastAPI) -> None:
    async with browser(app) as anonymous:
        library = await anonymous.get("/templates")
        new = await anonymous.get("/templates/new")
        created = await anonymous.post("/templates", data=SCALE)
        preview = await anonymous.post("/templates/preview", data=SCALE)

    assert library.status_code == 303
    assert library.headers["location"] == "/sign-in?next=%2Ftemplates"
    assert new.headers["location"] == "/sign-in?next=%2Ftemplates%2Fnew"
    assert created.status_code == 303
    assert created.headers["location"].startswith("/sign-in")
    assert preview.status_code == 303


async def test_yaml_that_could_expand_or_nest_without_end_is_refused(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    laughs = "- &a [x, x, x, x, x, x, x, x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    deep = "- " + "[" * 50 + "]" * 50 + "\n"
    async with ada.client(app) as client:
        aliases = await client.post("/templates", data=SCALE | {"inputs": laughs})
        nested = await client.post("/templates", data=SCALE | {"outputs": deep})
        preview = await client.post("/templates/preview", data=SCALE | {"inputs": laughs})

    assert aliases.status_code == 422
    assert field_error(aliases.text, "inputs") == (
        "Inputs must not use YAML anchors or aliases (& and *)."
    )
    assert field_error(nested.text, "outputs") == (
        "Outputs must not be nested more than 20 levels deep."
    )
    assert "Inputs must not use YAML anchors" in preview.text


async def test_a_built_in_template_shows_its_source_and_preview(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        page = await client.get(f"/templates/{template_id('descriptives')}")

    assert page.status_code == 200
    assert '<span class="badge">Built-in</span>' in page.text
    assert "- {name: data, type: dataframe, label: Table, required: true, default: df}" in page.text
    assert '<select id="preview-in-data" name="in.data" required>' in page.text
    assert "descriptives(df, show=" in page.text
