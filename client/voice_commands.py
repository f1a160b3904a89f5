"""``kontho voices``: the voices a job may name; ``kontho voices import``: mirror a Coqui zoo model.

``import`` is an operator's command for clusters whose workers cannot reach Coqui's model downloads: run it
where there is network, with the bucket's AWS credentials (and ``KONTHO_AWS_ENDPOINT_URL`` for a local
stack). It needs Coqui TTS (``kontho[vits]``), imported only when it runs, so the rest of the command
never loads torch.
"""

from __future__ import annotations

from typing import Annotated

import typer

from client.command_base import Json, Key, Url, client_for, console, errors, or_exit
from client.display import print_json, voices_table

voices_app = typer.Typer(
    help="The voices a job may name (kontho voices), and mirroring Coqui zoo models (kontho voices import).",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@voices_app.callback()
def voices(ctx: typer.Context, as_json: Json = False, url: Url = None, api_key: Key = None) -> None:
    """The voices a job may name."""
    if ctx.invoked_subcommand is not None:
        return
    with client_for(url, api_key) as client:
        found = or_exit(client.voices)
    if as_json:
        print_json(found)
    else:
        console.print(voices_table(found))


def catalog_snippet(name: str, location: str, root: str) -> str:
    """What to put in the workers' configuration to use the copy."""
    return (
        f"For every zoo voice mirrored under {root} (the built-in bn-coqui-female and bn-coqui-male too),\n"
        "set on the workers:\n"
        f"  KONTHO_ZOO_MIRROR={root}\n"
        "or name this copy in a voices file (KONTHO_VOICES_FILE):\n"
        "voices:\n"
        "  - id: my-zoo-voice\n"
        "    engine: vits\n"
        f"    model: {name}\n"
        f"    mirror: {location}\n"
    )


@voices_app.command("import")
def import_zoo_model(
    name: Annotated[str, typer.Argument(help="Coqui model-zoo name, e.g. tts_models/bn/custom/vits-female")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="s3://bucket/prefix/ or a folder; the model goes under it in a folder of Coqui's name",
            show_default=False,
        ),
    ],
) -> None:
    """Mirror the zoo model NAME to --to, for workers without network.

    Fetches the model through Coqui's model manager into KONTHO_ZOO_DIR (unless it is already there),
    copies config.json, the checkpoint and any other file beside them, and prints what to configure.
    """
    from worker.models.zoo_names import parse_zoo_name

    zoo_name = parse_zoo_name(name)
    if zoo_name is None:
        errors.print(
            f"[red]error[/red]: {name!r} is not a Coqui model-zoo name (tts_models/LANGUAGE/DATASET/MODEL)",
            highlight=False,
        )
        raise typer.Exit(2)
    # Imported here: boto3, the worker's model code and (when it downloads) Coqui stay out of other commands.
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError
    from pydantic import ValidationError

    from kontho.errors import KonthoError
    from kontho.logging import configure_logging
    from kontho.settings import Settings
    from worker.models.zoo import mirror_model, zoo_root

    try:
        settings = Settings()
    except ValidationError as exc:
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    configure_logging("console", "info")
    errors.print(f"{zoo_name}: from {zoo_root(settings)}, fetched if not there", highlight=False)
    try:
        done = mirror_model(zoo_name, to, settings)
    except (KonthoError, OSError, BotoCoreError, ClientError, S3UploadFailedError) as exc:
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(
        f"Mirrored {zoo_name} to {done.location}: {', '.join(done.files)} "
        f"({done.size_bytes / 1e6:,.1f} MB)\n",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    snippet = catalog_snippet(zoo_name.name, done.location, done.root)
    console.print(snippet, highlight=False, markup=False, soft_wrap=True)
