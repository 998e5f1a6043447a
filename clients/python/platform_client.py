#!/usr/bin/python3
"""A Python client of the training platform: submit a job, follow its status, metrics and evaluation.

Uses only Debian's python3-avro (1.11) and python3-confluent-kafka (and python3-yaml for YAML job
files). It speaks the contract of schemas/README.md: Avro single-object encoding, keyed by job id.

    platform_client.py [--bootstrap-servers HOST:PORT] submit (--preset fashion-mnist | --file job.yaml)
                       [--epochs N] [--data LOCATION] [--job-id ID] [--watch] [--timeout SECONDS]
    platform_client.py [--bootstrap-servers HOST:PORT] watch JOB_ID [--timeout SECONDS]

Exit codes: 0 the job succeeded and was evaluated; 1 it failed, was cancelled or the wait timed out;
2 bad input.
"""

import argparse
import datetime
import glob
import io
import json
import os
import sys
import time
import uuid

import avro.errors
import avro.io
import avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition

HERE = os.path.dirname(os.path.abspath(__file__))
HISTORY = os.path.join(HERE, "..", "..", "schemas", "src", "main", "avro", "history")
MARKER = b"\xc3\x01"

# ---- The two workarounds for python3-avro 1.11 (schemas/README.md, "Python clients") ---------------

def _strip_logical_types(node):
    """Workaround 1: the Parsing Canonical Form reduces {"type": "long", "logicalType": ...} to "long";
    python3-avro keeps the object, so its fingerprint differs from every other implementation's."""
    if isinstance(node, dict):
        if "logicalType" in node and isinstance(node.get("type"), str):
            return node["type"]
        return {k: _strip_logical_types(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_logical_types(v) for v in node]
    return node


class FirstBranchWriter(avro.io.DatumWriter):
    """Workaround 2: python3-avro writes a union value with the LAST branch that validates, so 128 in
    ["long", "double", ...] goes out as 128.0; the specification's reading (Java, fastavro) is the
    first. A bool is an int in Python, so it is matched to "boolean" explicitly."""

    def write_union(self, writers_schema, datum, encoder):
        for index, candidate in enumerate(writers_schema.schemas):
            if isinstance(datum, bool) and candidate.type != "boolean":
                continue
            if avro.io.validate(candidate, datum):
                encoder.write_long(index)
                return self.write_data(candidate, datum, encoder)
        raise avro.errors.AvroTypeException(writers_schema, datum)

# ---- Single-object encoding -------------------------------------------------------------------------

def _crc64_avro(data):
    """CRC-64-AVRO, as the specification defines it for schema fingerprints."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


class Record:
    """Every released version of one contract record: writes with the latest, reads any of them."""

    def __init__(self, name, workarounds=True):
        self.name = name
        self.versions = []  # (fingerprint, schema), oldest first
        paths = sorted(glob.glob(os.path.join(HISTORY, name, "v*.avsc")), key=lambda p: int(os.path.basename(p)[1:-len(".avsc")]))
        for path in paths:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            schema = avro.schema.parse(text)
            canonical = avro.schema.parse(json.dumps(_strip_logical_types(json.loads(text)))) if workarounds else schema
            self.versions.append((_crc64_avro(canonical.canonical_form.encode("utf-8")), schema))
        if not self.versions:
            raise SystemExit("no schema versions of %s under %s" % (name, HISTORY))
        self.workarounds = workarounds

    def encode(self, datum):
        fingerprint, schema = self.versions[-1]
        out = io.BytesIO()
        out.write(MARKER)
        out.write(fingerprint.to_bytes(8, "little"))
        writer = FirstBranchWriter(schema) if self.workarounds else avro.io.DatumWriter(schema)
        writer.write(datum, avro.io.BinaryEncoder(out))
        return out.getvalue()

    def decode(self, value):
        if value is None or value[:2] != MARKER or len(value) < 10:
            return None
        fingerprint = int.from_bytes(value[2:10], "little")
        for known, writer in self.versions:
            if known == fingerprint:
                reader = avro.io.DatumReader(writer, self.versions[-1][1])
                return reader.read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
        return None  # a version newer than this client: skipped

# ---- Jobs -------------------------------------------------------------------------------------------

# A job waits in the queue of its priority (Topics.jobsTopic in the schemas module).
JOB_TOPICS = {"HIGH": "training.jobs.high", "NORMAL": "training.jobs", "LOW": "training.jobs.low"}

PRESETS = {
    # Workload 3 (schemas/README.md): the Fashion-MNIST MLP, Adam 1e-3, batch 32.
    "fashion-mnist": {"model": {"preset": "fashion-mnist-mlp"}, "dataset": {"name": "fashion-mnist"},
                      "optimizer": {"type": "ADAM", "learningRate": 0.001}, "batchSize": 32, "epochs": 5,
                      "testEveryEpoch": True},
}


def _with_defaults(schema, value):
    """A datum for a record schema from a plain dict: schema defaults for what is left out."""
    if isinstance(schema, avro.schema.UnionSchema):
        if value is None:
            return None
        for branch in schema.schemas:
            if isinstance(branch, avro.schema.RecordSchema) and isinstance(value, dict):
                return _with_defaults(branch, value)
        return value
    if isinstance(schema, avro.schema.RecordSchema):
        if not isinstance(value, dict):
            raise SystemExit("expected an object for %s, got %r" % (schema.name, value))
        unknown = set(value) - {f.name for f in schema.fields}
        if unknown:
            raise SystemExit("unknown field(s) %s in %s" % (", ".join(sorted(unknown)), schema.name))
        out = {}
        for field in schema.fields:
            if field.name in value:
                out[field.name] = _with_defaults(field.type, value[field.name])
            elif field.has_default:
                out[field.name] = field.default
            else:
                raise SystemExit("missing field %s in %s" % (field.name, schema.name))
        return out
    if isinstance(schema, avro.schema.ArraySchema) and isinstance(value, list):
        return [_with_defaults(schema.items, v) for v in value]
    return value


def load_job(args, jobs):
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
        if args.file.endswith((".yaml", ".yml")):
            import yaml  # python3-yaml
            spec = yaml.safe_load(text)
        else:
            spec = json.loads(text)
    else:
        spec = json.loads(json.dumps(PRESETS[args.preset]))
    spec.setdefault("jobId", args.job_id or "%s-%s" % (args.preset or "job", uuid.uuid4().hex[:12]))
    if args.epochs:
        spec["epochs"] = args.epochs
    if args.data:
        spec.setdefault("dataset", {})["location"] = args.data
    spec["submittedAt"] = datetime.datetime.now(datetime.timezone.utc)
    return _with_defaults(jobs.versions[-1][1], spec)

# ---- Following a job --------------------------------------------------------------------------------

def follow(config, job_id, timeout):
    """Prints the job's status changes, epochs and evaluation; returns the exit code."""
    readers = {"training.status": Record("JobStatus"), "training.metrics": Record("EpochMetrics"),
               "evaluation.results": Record("EvaluationResult")}
    consumer = Consumer(dict(config, **{"group.id": "python-client-" + uuid.uuid4().hex,
                                        "enable.auto.commit": False, "auto.offset.reset": "earliest"}))
    partitions = []
    for topic in readers:
        metadata = consumer.list_topics(topic, timeout=30).topics[topic]
        partitions += [TopicPartition(topic, p, 0) for p in metadata.partitions]  # from the beginning
    consumer.assign(partitions)
    state, evaluated, deadline = None, None, time.time() + timeout
    try:
        while time.time() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() or message.key() is None or message.key().decode() != job_id:
                continue
            record = readers[message.topic()].decode(message.value())
            if record is None:
                continue
            if message.topic() == "training.status":
                state = record["state"]
                detail = " ".join(str(x) for x in (record.get("errorCode"), record.get("message")) if x)
                print("[status] %s %s (attempt %s)%s" % (job_id, state, record["attempt"],
                                                          ": " + detail if detail else ""), flush=True)
                if state in ("FAILED", "CANCELLED"):
                    return 1
            elif message.topic() == "training.metrics":
                print("epoch %d/%d  loss %.4f  acc %s  test acc %s  val loss %s" % (
                    record["epoch"], record["totalEpochs"], record["trainLoss"], _fmt(record.get("trainAccuracy")),
                    _fmt(record.get("testAccuracy")), _fmt(record.get("validationLoss"))), flush=True)
            elif record.get("finalCheckpoint"):
                evaluated = record
                if record.get("error"):
                    print("[evaluation] %s: %s" % (record["error"]["code"], record["error"]["message"]), flush=True)
                    return 1
                print("[evaluation] %s  test samples %d  test loss %.4f  test accuracy %s" % (
                    record["checkpointId"], record["numSamples"], record["testLoss"], _fmt(record.get("testAccuracy"))),
                    flush=True)
            if state == "SUCCEEDED" and evaluated is not None:
                return 0
        print("timed out after %ds; last status %s" % (timeout, state), file=sys.stderr, flush=True)
        return 1
    finally:
        consumer.close()


def _fmt(x):
    return "-" if x is None else "%.4f" % x


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit")
    source = submit.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=sorted(PRESETS))
    source.add_argument("--file")
    submit.add_argument("--epochs", type=int)
    submit.add_argument("--data", help="the data set's location, as the services see it")
    submit.add_argument("--job-id")
    submit.add_argument("--priority", choices=["high", "normal", "low"], help="the queue the job waits in")
    submit.add_argument("--watch", action="store_true")
    submit.add_argument("--timeout", type=int, default=1800)
    submit.add_argument("--no-workarounds", action="store_true",
                        help="encode as stock python3-avro does (to see what the platform answers)")
    watch = commands.add_parser("watch")
    watch.add_argument("job_id")
    watch.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args(argv)
    config = {"bootstrap.servers": args.bootstrap_servers}

    if args.command == "watch":
        return follow(config, args.job_id, args.timeout)
    jobs = Record("TrainingJob", workarounds=not args.no_workarounds)
    job = load_job(args, jobs)
    if args.priority:
        job["priority"] = args.priority.upper()
    producer = Producer(dict(config, **{"acks": "all", "enable.idempotence": True}))
    producer.produce(JOB_TOPICS[job.get("priority", "NORMAL")], key=job["jobId"].encode(), value=jobs.encode(job))
    if producer.flush(30) != 0:
        print("could not deliver the job to %s" % args.bootstrap_servers, file=sys.stderr)
        return 1
    print(job["jobId"], flush=True)
    return follow(config, job["jobId"], args.timeout) if args.watch else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
