"""`warta dlq ...`: inspect and replay dead letters once the cause is fixed."""

from __future__ import annotations

import argparse
import json

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared import topics
from shared.settings import Settings
from warta_cli.commands import CommandError, Groups, command_group

REPLAY_GROUP = "warta-dlq-replay"


def _dead_letter_topic(stream: str) -> str:
    if stream not in topics.STREAMS:
        raise CommandError(f"unknown stream {stream!r}; one of {', '.join(topics.STREAMS)}")
    return topics.dead_letter(stream)


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    consumer = AIOKafkaConsumer(
        _dead_letter_topic(args.stream), bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=2000, max_records=args.limit)
        for records in batch.values():
            for record in records:
                headers = {k: v.decode(errors="replace") for k, v in record.headers}
                print(json.dumps({"offset": record.offset, **headers}, ensure_ascii=False))
    finally:
        await consumer.stop()
    return 0


async def replay(settings: Settings, stream: str, limit: int) -> int:
    """Re-publish up to `limit` dead letters to their stream; consumers are idempotent."""
    consumer = AIOKafkaConsumer(
        _dead_letter_topic(stream), bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest", enable_auto_commit=False, group_id=REPLAY_GROUP)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap,
                                enable_idempotence=True, acks="all")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        batch = await consumer.getmany(timeout_ms=3000, max_records=limit)
        for records in batch.values():
            for record in records:
                headers = [(k, v) for k, v in record.headers if not k.startswith("dlq-")]
                await producer.send_and_wait(stream, record.value, key=record.key,
                                             headers=[*headers, ("dlq-replayed", b"1")])
                replayed += 1
        await consumer.commit()  # only after every re-publish was acknowledged
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


async def _replay(args: argparse.Namespace, settings: Settings) -> int:
    print(f"replayed {await replay(settings, args.stream, args.limit)} message(s) to {args.stream}")
    return 0


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "dlq", "dead letters")
    for name, func, help_text in (("list", _list, "show dead letters with their errors"),
                                  ("replay", _replay, "re-publish dead letters to their stream")):
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("stream", help=f"one of {', '.join(topics.STREAMS)}")
        parser.add_argument("--limit", type=int, default=100)
        parser.set_defaults(func=func)
