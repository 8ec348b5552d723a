"""`twin init`: the template is the schema's defaults, every field present and described, and the
command never replaces a file unasked."""

from __future__ import annotations

from pydantic import BaseModel

from test_cli import twin
from twin.scenario.schema import Scenario
from twin.scenario.template import scenario_template
from twin.scenario.traffic_schema import Traffic
from twin.scenario.yaml_guard import parse_yaml


def _uncommented(text: str) -> str:
    """The template with its commented traffic block switched on, as a user would uncomment it."""
    head, block = text.split("# traffic:\n")
    return head + "traffic:\n" + "\n".join(line.removeprefix("# ") for line in block.splitlines()) + "\n"


def _keys_missing(model: type[BaseModel], doc: dict, path: str = "") -> list[str]:
    missing = []
    for name, info in model.model_fields.items():
        if name not in doc:
            missing.append(path + name)
        elif isinstance(doc[name], dict) and isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            missing += _keys_missing(info.annotation, doc[name], f"{path}{name}.")
    return missing


def test_the_template_loads_to_the_schema_defaults():
    assert Scenario.model_validate(parse_yaml(scenario_template("mine"))) == Scenario(name="mine")
    with_streets = Scenario.model_validate(parse_yaml(scenario_template("mine", traffic=True)))
    assert with_streets == Scenario(name="mine", traffic=Traffic())
    assert Scenario.model_validate(parse_yaml(_uncommented(scenario_template("mine")))) == with_streets


def test_every_field_is_written_with_its_description():
    text = scenario_template("mine", traffic=True)
    doc = parse_yaml(text)
    assert _keys_missing(Scenario, doc) == []
    assert _keys_missing(Traffic, doc["traffic"], "traffic.") == []

    def descriptions(model: type[BaseModel]):
        for info in model.model_fields.values():
            if info.description:
                yield info.description
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                yield from descriptions(info.annotation)

    missing = [d for d in descriptions(Scenario) if d not in text]
    missing += [d for d in descriptions(Traffic) if d not in text]
    assert missing == []
    # Ranges and choices come with the fields, exclusive bounds said as such.
    assert "# correlation time of the weather noise, h; above 0, up to 720\n  noise_hours: 12.0" in text
    assert "one of fixed_time, actuated, max_pressure, external" in text


def test_twin_init_writes_a_file_that_validates_and_never_replaces_one_unasked(tmp_path):
    result = twin("init", "my_scenario.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "my_scenario.yaml"
    assert twin("validate", "my_scenario.yaml", cwd=tmp_path).returncode == 0
    assert "'my_scenario'" in twin("validate", "my_scenario.yaml", cwd=tmp_path).stdout
    path.write_text(path.read_text() + "# my notes\n")
    again = twin("init", "my_scenario.yaml", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr and "Traceback" not in again.stderr
    assert path.read_text().endswith("# my notes\n")
    assert twin("init", "my_scenario.yaml", "--force", "--traffic", cwd=tmp_path).returncode == 0
    written = parse_yaml(path.read_text())
    assert written["traffic"]["network"]["rows"] == 4
    for bad, says in (("notes.txt", "ends in .yaml"), ("missing/x.yaml", "does not exist")):
        refused = twin("init", bad, cwd=tmp_path)
        assert refused.returncode == 2 and says in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_scenario.yaml"]
