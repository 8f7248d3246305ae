"""The ``factcheck`` command: serve, ingest, check, reindex, stats, delete, export-embedder."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Sequence

from .config import Config

STANCE_MARKS = {"supports": "+", "refutes": "-", "neutral": "~"}


def _engine(config: Config, **options: object):  # noqa: ANN202 - imported lazily: torch takes seconds to load
    """The engine of a one-shot command (not of a server): it parses for the stance model only what it checks."""
    from .engine import FactCheckEngine

    return FactCheckEngine(config.with_overrides(stance_warm_claims=0), **options)


def prepare_metrics_dir() -> tuple[Path, bool]:
    """PROMETHEUS_MULTIPROC_DIR for the workers' metrics, set before prometheus-client is imported anywhere:
    the given directory emptied of a previous run's files, else a new temporary one (True: ours to remove)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return path, False
    path = Path(tempfile.mkdtemp(prefix="factcheck-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path, True


def _save_index_on_worker_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, in the worker: save its index on a graceful stop, so a restart needs no catching up."""
    app = getattr(worker, "wsgi", None)
    engine = app.extensions.get("factcheck") if app is not None and hasattr(app, "extensions") else None
    if engine is not None:
        engine.stance_warmer.close()  # no parse running when the interpreter shuts down
        try:
            engine.sync_index()
            engine.save_index()
        except Exception:  # noqa: BLE001 - a failed save only means catching up from the change log on start
            logging.getLogger(__name__).exception("saving the index on worker exit failed")


def _ingest_seeds(config: Config) -> None:
    from .extensions import ingest_seeds

    engine = _engine(config)
    try:
        ingest_seeds(engine, config.seeds_dir)
    finally:
        engine.close()


def _ingest_seeds_in_a_child(config: Config) -> None:
    """Ingest the seeds in a child process, so that the gunicorn master forks its workers before any model,
    native thread pool or database connection has been started in it (a worker forked after the master ran the
    models aborted on SIGTERM, before saving its index)."""
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_ingest_seeds, args=(config,), name="ingest-seeds")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"ingesting the seeds from {config.seeds_dir} failed (exit status {child.exitcode})")


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    """Run the API under gunicorn; the seeds are ingested first (in a child process) unless disabled."""
    from logging.config import dictConfig

    from gunicorn.app.base import BaseApplication

    from .security import RateLimit, load_api_keys

    from .embeddings import check_embedder_ready, keep_torch_out, needs_torch

    load_api_keys(config)  # configuration errors stop here, not in every worker
    RateLimit.parse(config.rate_limit)
    check_embedder_ready(config)  # a missing ONNX export stops here, naming the command that makes it
    if not needs_torch(config):
        keep_torch_out()  # before anything imports spaCy, whose thinc would load torch for nothing
    metrics_dir, own_metrics_dir = prepare_metrics_dir()
    from .observability import logging_dict_config

    log_config = logging_dict_config(config.log_level)
    dictConfig(log_config)
    if args.seeds and config.seeds_dir.is_dir():
        _ingest_seeds_in_a_child(config)
    # Imported once before the fork, so that the workers only load the model (their app, model, store
    # connections and index are still their own): 3 workers on 2 cores answered after 19-28 s instead of 40-52 s.
    # Only what the configured backends run: with ONNX Runtime, the workers never load torch. Not onnxruntime:
    # importing it starts a native thread that a forked worker does not have, and the worker's exit then joins
    # it and aborts or hangs (tests/live_server.py checks that every server stops cleanly).
    import faiss  # noqa: F401

    if needs_torch(config):
        import sentence_transformers  # noqa: F401
    if config.embedding_backend != "torch":
        import tokenizers  # noqa: F401

    class FactCheckServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("limit_request_line", 8190)  # gunicorn's largest: listings take repeatable filters in the query
            self.cfg.set("keepalive", args.keepalive)
            self.cfg.set("accesslog", None)  # the app writes one JSON access line per request
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", config.log_level.lower())
            self.cfg.set("logconfig_dict", log_config)
            self.cfg.set("worker_exit", _save_index_on_worker_exit)

        def load(self):  # noqa: ANN202 - gunicorn hook
            from .app import create_app

            return create_app(config.with_overrides(ingest_seeds_on_start=False))

    host = f"[{args.host}]" if ":" in args.host else args.host
    logging.getLogger(__name__).info("the fact-check desk: http://%s:%d/ (API reference: /docs)", host, args.port)
    try:
        FactCheckServer().run()
    finally:
        if own_metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    from tqdm import tqdm

    from .ingest import article_files, ingest_paths

    files = article_files([Path(p) for p in args.paths])
    engine = _engine(config)
    created = existing = 0
    with tqdm(total=len(files), unit="article", disable=args.quiet or len(files) < 2, file=sys.stderr) as bar:

        def report(path: Path, result: Any) -> None:
            bar.update(1)
            if not args.quiet:
                state = "ingested" if result.created else "already ingested, unchanged"
                bar.write(f"{path}: {state} ({result.article_id})")

        for result in ingest_paths(engine, files, on_file=report):
            created += result.created
            existing += not result.created
    engine.close()
    print(f"{created} new article(s), {existing} already ingested; {engine.store.counts()['claims']} claims in store")
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config)
    result = engine.check(args.statement, k=args.k, min_similarity=args.min_similarity)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(render_check(result))
    return 0


def render_check(result: dict) -> str:
    """A check result as a journalist reads it in a terminal."""
    lines = [f"Statement: {result['statement']}", ""]
    if not result["matches"]:
        lines.append("No prior claim is similar enough.")
    for rank, match in enumerate(result["matches"], 1):
        stance = match["stance"]
        speaker = match["speaker"]
        who = f"{speaker['name']}" + (f" ({speaker['role']})" if speaker and speaker.get("role") else "") if speaker else "unattributed"
        source = match["source"]
        where = ", ".join(str(x) for x in (source.get("outlet"), source.get("published")) if x) or "source unknown"
        lines.append(f"{rank}. [{STANCE_MARKS[stance['label']]} {stance['label']} {stance['confidence']:.2f}] "
                     f"similarity {match['similarity']:.2f}")
        lines.extend(textwrap.wrap(match["text"], width=96, initial_indent="   \"", subsequent_indent="    "))
        lines[-1] += "\""
        lines.append(f"   - {who}{', ' + match['voice'] if match.get('voice') else ''}; {where}")
        if match.get("context"):
            lines.extend(textwrap.wrap(f"answering: {match['context']['text']}", width=96, initial_indent="   - ",
                                       subsequent_indent="     "))
        others = [r for r in match.get("reported_by", []) if r["claim_id"] != match["claim_id"]]
        if others:
            lines.append("   - also reported by: " + ", ".join(r["outlet"] or "unknown outlet" for r in others))
    summary = result["summary"]
    lines += ["", f"Summary: {summary['supports']} support, {summary['refutes']} refute, {summary['neutral']} neutral"]
    return "\n".join(lines)


def cmd_reindex(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config, allow_model_change=args.reembed)  # --reembed is how a model change is applied
    total, done = engine.store.counts()["claims"], 0

    def report(count: int) -> None:  # one line per committed batch: how far an interrupted run had got
        nonlocal done
        done += count
        if not args.quiet:
            print(f"re-embedded {done} claims ({total} in the store)", file=sys.stderr, flush=True)

    print(json.dumps(engine.reindex(reembed=args.reembed, rescore=args.rescore, batch=args.batch_size,
                                    progress=report)))
    engine.close()
    return 0


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config)
    print(json.dumps(engine.stats(), indent=2))
    return 0


def cmd_delete(args: argparse.Namespace, config: Config) -> int:
    engine = _engine(config)
    deleted = engine.delete_article(args.article_id)
    engine.close()
    print("deleted" if deleted else f"no article {args.article_id}")
    return 0 if deleted else 1


def cmd_export_embedder(args: argparse.Namespace, config: Config) -> int:
    """Export the embedding model to ONNX into FACTCHECK_ONNX_DIR; a quick no-op when the export is current."""
    import time

    from .embeddings import export_embedder

    started = time.monotonic()
    folder, exported = export_embedder(config)
    if exported:
        print(f"exported {config.embedding_model} to ONNX in {folder} ({time.monotonic() - started:.1f} s)")
    else:
        print(f"the ONNX export of {config.embedding_model} in {folder} is up to date")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factcheck", description=__doc__)
    parser.add_argument("--data-dir", help="where the store and index live (FACTCHECK_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--host", default=os.environ.get("FACTCHECK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("FACTCHECK_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("FACTCHECK_WORKERS", "1")))
    serve.add_argument("--threads", type=int, default=int(os.environ.get("FACTCHECK_THREADS", "4")))
    serve.add_argument("--keepalive", type=int, default=int(os.environ.get("FACTCHECK_KEEPALIVE", "5")),
                       help="seconds an idle HTTP keep-alive connection stays open (longer behind a load balancer)")
    serve.add_argument("--no-seeds", dest="seeds", action="store_false", help="do not ingest seeds/ first")
    serve.set_defaults(func=cmd_serve)

    ingest = sub.add_parser("ingest", help="ingest article files or folders (a manifest.json gives metadata)")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("-q", "--quiet", action="store_true")
    ingest.set_defaults(func=cmd_ingest)

    check = sub.add_parser("check", help="check a statement against the stored claims")
    check.add_argument("statement")
    check.add_argument("-k", type=int, default=None)
    check.add_argument("--min-similarity", type=float, default=None)
    check.add_argument("--json", action="store_true", help="print the API's JSON instead of text")
    check.set_defaults(func=cmd_check)

    reindex = sub.add_parser("reindex", help="rebuild the FAISS index from the store")
    reindex.add_argument("--reembed", action="store_true", help="re-encode every claim with the configured model")
    reindex.add_argument("--rescore", action="store_true",
                         help="score every claim's check-worthiness again (after a check-worthiness model change)")
    reindex.add_argument("--batch-size", type=_positive_int, default=5_000, metavar="N",
                         help="claims re-encoded per transaction with --reembed (a killed run resumes after the last)")
    reindex.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    reindex.set_defaults(func=cmd_reindex)

    stats = sub.add_parser("stats", help="counts, index and models")
    stats.set_defaults(func=cmd_stats)

    delete = sub.add_parser("delete", help="delete an article and its claims")
    delete.add_argument("article_id")
    delete.set_defaults(func=cmd_delete)

    export = sub.add_parser("export-embedder",
                            help="export the embedding model to ONNX (FACTCHECK_ONNX_DIR); nothing to do when current")
    export.set_defaults(func=cmd_export_embedder)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    try:
        config = Config.from_env(**overrides)
    except ValueError as exc:
        print(f"factcheck: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args, config)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"factcheck: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
