"""docker-compose.yml, checked without a Docker engine.

The file is validated against the Compose Specification's JSON schema (the
copy check-jsonschema ships as ``vendor.compose-spec``), and its shape is
pinned: the services, who may scale, health checks, named volumes, which
database role each service connects as (and which secrets it can read), and
that every environment variable is documented. The services' commands themselves
are run natively by tests/ops/test_services_native.py.
"""

import json
import re
import shlex
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DJANGO_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis", "mailpit")


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_schema():
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


def schema_errors(document):
    schema = compose_schema()
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def command_words(service):
    command = load_compose()["services"][service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def dockerfile_instruction(name):
    """The argument of the last ``name`` instruction of the Dockerfile."""
    found = None
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.upper().startswith(name + " "):
            found = line[len(name) + 1 :].strip()
    assert found is not None, f"the Dockerfile has no {name}"
    return found


def entrypoint_words():
    return json.loads(dockerfile_instruction("ENTRYPOINT"))


def in_repository(path):
    """/app/... in the image is the repository (the Dockerfile copies it there)."""
    workdir = dockerfile_instruction("WORKDIR")
    assert path.startswith(workdir + "/"), f"{path} is not under the image's {workdir}"
    return ROOT / path.removeprefix(workdir + "/")


def env_names(path):
    names = []
    for line in path.read_text().splitlines():
        line = line.strip().lstrip("#").strip()
        if match := re.match(r"([A-Z][A-Z0-9_]*)=", line):
            names.append(match.group(1))
    return names


def settings_env_names():
    """Every variable the settings read through django-environ."""
    pattern = re.compile(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
    names = set()
    for path in (ROOT / "cbm_tracker" / "settings").glob("*.py"):
        names |= set(pattern.findall(path.read_text()))
    return names


def script_env_names():
    """Variables the start scripts read (``${NAME:-default}``)."""
    names = set()
    for path in (ROOT / "compose").iterdir():
        if path.is_file() and not path.name.endswith(".example"):
            names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", path.read_text()))
    return names


# --- the schema -------------------------------------------------------------


def test_the_compose_file_is_valid_against_the_compose_specification():
    assert schema_errors(load_compose()) == []


def test_the_schema_check_is_not_vacuous():
    document = load_compose()
    document["services"]["web"]["healthcheck"]["intervall"] = "5s"
    document["services"]["worker"]["depends_on"] = "postgres"
    errors = "\n".join(schema_errors(document))
    assert "intervall" in errors
    assert "services/worker/depends_on" in errors


# --- the shape --------------------------------------------------------------


def test_the_services_are_cookiecutter_djangos():
    services = load_compose()["services"]
    assert set(services) == {*DJANGO_SERVICES, "postgres", "redis", "mailpit"}
    images = {services[name]["image"] for name in DJANGO_SERVICES}
    assert len(images) == 1, "web, worker, beat and migrate run one image"
    for name in DJANGO_SERVICES:
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == (
            "cbm_tracker.settings.production"
        )
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


def test_workers_scale_and_beat_cannot():
    services = load_compose()["services"]
    # `--scale worker=N` needs no fixed name and no fixed host port.
    for name in ("web", "worker"):
        assert "container_name" not in services[name]
    assert "ports" not in services["worker"]
    # A fixed container name makes `--scale beat=2` an error: exactly one beat.
    assert services["beat"]["container_name"]
    assert "-B" not in command_words("worker") and "--beat" not in command_words("worker")


def test_long_running_services_have_health_checks():
    services = load_compose()["services"]
    for name in LONG_RUNNING:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in ("web", "worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and in_repository(test[1]).is_file()
        assert test[2] == name


def test_django_services_wait_for_healthy_services_and_the_migration():
    services = load_compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["restart"] == "no"


def test_state_lives_in_named_volumes():
    """Only configuration of the repository is bind-mounted, read-only."""
    compose = load_compose()
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            assert isinstance(volume, str), volume
            source, _target, *options = volume.split(":")
            if source.startswith(("/", ".")):
                assert source.startswith("./compose/") and options == ["ro"], (
                    f"{volume}: state belongs in a named volume"
                )
                assert (ROOT / source).is_file(), source
                continue
            used.add(source)
    assert used == declared
    assert {"postgres_data", "redis_data", "beat_data"} <= declared


def test_start_commands_are_executable_scripts_of_the_repository():
    for name in DJANGO_SERVICES:
        script = in_repository(command_words(name)[0])
        assert script.is_file(), script
        assert script.stat().st_mode & 0o111, f"{script} is not executable"
    entrypoint = in_repository(entrypoint_words()[0])
    assert entrypoint.is_file() and entrypoint.stat().st_mode & 0o111


def test_the_beat_start_script_removes_a_stale_pid_file_before_starting():
    script = (ROOT / "compose" / "start-beat").read_text()
    assert script.index('rm -f "$pidfile"') < script.index("exec celery")
    assert '--pidfile "$pidfile"' in script


# --- database roles -----------------------------------------------------------


def test_each_service_connects_as_its_own_database_role():
    """docs/security.md, "Database roles": migrate as the owner (then db_roles),
    web, worker and beat as the application's role, without the owner's or
    the maintenance role's password anywhere in their environment."""
    services = load_compose()["services"]
    for name in DJANGO_SERVICES:
        env_files = [entry["path"] for entry in services[name]["env_file"]]
        role = services[name]["environment"]["CBM_DATABASE_ROLE"]
        if name == "migrate":
            assert role == "owner"
            assert env_files == ["compose/django.env", "compose/postgres.env"]
        else:
            assert role == "app", name
            assert env_files == ["compose/django.env"], name
    django_env = env_names(ROOT / "compose" / "django.env.example")
    assert "DATABASE_URL" in django_env
    secrets = {"POSTGRES_PASSWORD", "CBM_MAINTENANCE_DB_PASSWORD", "CBM_MAINTENANCE_DATABASE_URL"}
    assert not secrets & set(django_env)
    script = (ROOT / "compose" / "start-migrate").read_text()
    assert script.index("python manage.py migrate") < script.index("exec python manage.py db_roles")


def test_the_postgres_service_creates_the_roles_the_application_connects_as():
    services = load_compose()["services"]
    mounts = {
        volume.split(":")[1]: volume.split(":")[0] for volume in services["postgres"]["volumes"]
    }
    script = mounts["/docker-entrypoint-initdb.d/10-cbm-roles.sh"]
    assert script == "./compose/postgres-roles.sh"
    assert (ROOT / script).stat().st_mode & 0o111, "the image runs it only if executable"
    assert [entry["path"] for entry in services["postgres"]["env_file"]] == ["compose/postgres.env"]
    # The examples agree: DATABASE_URL names the role and password the script creates.
    postgres_env = dict(
        line.split("=", 1)
        for line in (ROOT / "compose" / "postgres.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    django_env = (ROOT / "compose" / "django.env.example").read_text()
    app_url = re.search(r"^DATABASE_URL=(.*)$", django_env, re.M).group(1)
    parsed = urlparse(app_url)
    assert (parsed.username, parsed.password) == (
        postgres_env["CBM_APP_DB_USER"],
        postgres_env["CBM_APP_DB_PASSWORD"],
    )
    assert (parsed.hostname, str(parsed.port), parsed.path) == (
        postgres_env["POSTGRES_HOST"],
        postgres_env["POSTGRES_PORT"],
        "/" + postgres_env["POSTGRES_DB"],
    )
    assert parsed.username != postgres_env["POSTGRES_USER"]
    passwords = [postgres_env[k] for k in postgres_env if k.endswith("PASSWORD")]
    assert len(set(passwords)) == len(passwords) == 3


# --- environment ------------------------------------------------------------


def test_every_env_file_has_a_committed_example_and_no_secret_is_in_the_image():
    compose = load_compose()
    paths = set()
    for service in compose["services"].values():
        for entry in service.get("env_file", []):
            paths.add(entry["path"] if isinstance(entry, dict) else entry)
    assert paths == {"compose/django.env", "compose/postgres.env"}
    for path in paths:
        assert (ROOT / f"{path}.example").is_file()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "compose/*.env" in ignored and ".env" in ignored


@pytest.mark.parametrize("example", ["django.env.example", "postgres.env.example"])
def test_every_variable_of_the_env_examples_is_used_and_documented(example):
    operations = (ROOT / "docs" / "operations.md").read_text()
    known = settings_env_names() | script_env_names() | {"POSTGRES_DB", "POSTGRES_USER"}
    known |= {"POSTGRES_PASSWORD"}  # read by the postgres image and the entrypoint
    for name in env_names(ROOT / "compose" / example):
        assert name in known, f"{example}: {name} is read by nothing"
        assert f"`{name}`" in operations, f"docs/operations.md does not describe {name}"


def test_every_variable_the_settings_and_scripts_read_is_documented():
    operations = (ROOT / "docs" / "operations.md").read_text()
    missing = sorted(
        name for name in settings_env_names() | script_env_names() if f"`{name}`" not in operations
    )
    assert missing == [], f"docs/operations.md does not describe {missing}"
