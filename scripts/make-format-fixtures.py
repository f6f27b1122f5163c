#!/usr/bin/env python3
"""Write tests/fixtures/formats/: the same attacks as managed clusters export them.

Each attack (a native audit log from sample-logs/) is rewritten, by hand-coded
mappings that follow each provider's documented schema, into every export format
ktriage reads. tests/formats.rs asserts that every rewrite raises the same
(rule, identity) pairs as the native log, with 0 malformed lines.

Edge cases put in on purpose: string vs array source IPs, a missing user agent,
numeric vs string status codes, messages as escaped strings and as objects,
newest-first order (gcloud), CloudWatch control messages, non-audit records
that must be ignored, Firehose objects concatenated with no separator, gzip.

Deterministic: the same inputs give the same bytes.
    python3 scripts/make-format-fixtures.py
"""
import copy
import gzip
import json
import os
import sys
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "formats")

ATTACKS = {
    "seed": "sample-logs/k8s_exec_secret_exfil.json",
    "escalate": "sample-logs/rules/escalate-then-loot.positive.jsonl",
    "rapid": "sample-logs/rules/secret-rapid-get.positive.jsonl",
    "exec": "sample-logs/rules/pod-exec.positive.jsonl",
}


def load(path):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def compact(ev):
    return json.dumps(ev, separators=(",", ":"))


def ms(ts):
    return int(datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)


def last_stage(events):
    """One event per request (managed exports that log per request): the last stage."""
    by_id, order = {}, []
    for ev in events:
        k = ev.get("auditID") or id(ev)
        if k not in by_id:
            order.append(k)
        by_id[k] = ev
    return [by_id[k] for k in order]


def gz(data):
    # mtime=0: deterministic bytes.
    return gzip.compress(data, mtime=0)


def write(name, data):
    path = os.path.join(OUT, name)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


# ---------------------------------------------------------------- EKS / CloudWatch

def eks_filter_log_events(events):
    out = {"events": [], "searchedLogStreams": [
        {"logStreamName": "kube-apiserver-audit-0a1b2c3d4e5f", "searchedCompletely": True}]}
    for i, ev in enumerate(events):
        t = ms(ev.get("stageTimestamp") or ev["requestReceivedTimestamp"])
        out["events"].append({
            "logStreamName": "kube-apiserver-audit-0a1b2c3d4e5f",
            "timestamp": t,
            "message": compact(ev),
            "ingestionTime": t + 1500,
            "eventId": f"3797{i:052d}",
        })
    # As `aws logs filter-log-events --output json` prints it: 4-space indent.
    return json.dumps(out, indent=4) + "\n"


def eks_s3_export(events):
    lines = []
    for ev in events:
        t = ev.get("stageTimestamp") or ev["requestReceivedTimestamp"]
        lines.append(f"{t[:23]}Z {compact(ev)}")
    return gz(("\n".join(lines) + "\n").encode())


def eks_firehose(events):
    objs = [{
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1782914400000,
                                                  "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}]
    for k in range(0, len(events), 3):
        chunk = events[k:k + 3]
        objs.append({
            "messageType": "DATA_MESSAGE",
            "owner": "111122223333",
            "logGroup": "/aws/eks/prod/cluster",
            "logStream": "kube-apiserver-audit-0a1b2c3d4e5f",
            "subscriptionFilters": ["to-firehose"],
            "logEvents": [{"id": f"{k + j:056d}", "timestamp": ms(ev.get("stageTimestamp") or ev["requestReceivedTimestamp"]),
                           "message": compact(ev)} for j, ev in enumerate(chunk)],
        })
    # Concatenated with no separator, as Firehose writes them to S3.
    return gz("".join(compact(o) for o in objs).encode())


def eks_insights(events):
    rows = []
    for i, ev in enumerate(events):
        t = ev.get("stageTimestamp") or ev["requestReceivedTimestamp"]
        # Logs Insights shows "2026-07-01 14:02:31.000"; one message as an object.
        msg = ev if i == 1 else compact(ev)
        rows.append({"@timestamp": t[:10] + " " + t[11:23], "@message": msg,
                     "@logStream": "kube-apiserver-audit-0a1b2c3d4e5f", "@log": "111122223333:/aws/eks/prod/cluster"})
    return json.dumps(rows, indent=2) + "\n"


# ---------------------------------------------------------------- GKE / Cloud Logging

GRPC = {200: 0, 201: 0, 101: 0, 204: 0, 403: 7, 401: 16, 404: 5, 409: 6, 500: 13}


def method_name(ev):
    o = ev.get("objectRef", {})
    group = o.get("apiGroup") or "core"
    if group == "rbac.authorization.k8s.io":
        group = "authorization.rbac"
    elif group.endswith(".k8s.io"):
        group = group[: -len(".k8s.io")]
    version = o.get("apiVersion", "v1")
    parts = ["io.k8s", group, version, o.get("resource", "")]
    if o.get("subresource"):
        parts.append(o["subresource"])
    parts.append(ev["verb"])
    return ".".join(parts)


def resource_name(ev):
    o = ev.get("objectRef", {})
    group = o.get("apiGroup") or "core"
    segs = [group, o.get("apiVersion", "v1")]
    if o.get("namespace"):
        segs += ["namespaces", o["namespace"]]
    segs.append(o.get("resource", ""))
    if o.get("name"):
        segs.append(o["name"])
    if o.get("subresource"):
        segs.append(o["subresource"])
    return "/".join(segs)


def gke_entry(ev, i):
    code = ev.get("responseStatus", {}).get("code", 200)
    p = {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "authenticationInfo": {"principalEmail": ev.get("user", {}).get("username", "")},
        "authorizationInfo": [{"granted": code < 400, "permission": method_name(ev),
                               "resource": resource_name(ev)}],
        "methodName": method_name(ev),
        "requestMetadata": {"callerIp": (ev.get("sourceIPs") or [""])[-1]},
        "resourceName": resource_name(ev),
        "serviceName": "k8s.io",
        # gRPC codes as numbers, and once as a string.
        "status": {"code": str(GRPC.get(code, 13)) if i % 4 == 3 else GRPC.get(code, 13)},
    }
    if ev.get("userAgent"):
        p["requestMetadata"]["callerSuppliedUserAgent"] = ev["userAgent"]
    if code >= 400:
        p["status"]["message"] = "Forbidden"
    o = ev.get("objectRef", {})
    if o.get("subresource") in ("exec", "attach"):
        q = parse_qs(urlsplit(ev.get("requestURI", "")).query)
        req = {"@type": "core.k8s.io/v1.PodExecOptions", "command": q.get("command", []),
               "container": (q.get("container") or [""])[0]}
        for k in ("stdin", "stdout", "stderr", "tty"):
            if k in q:
                req[k] = q[k][0] == "true"
        p["request"] = req
    else:
        if ev.get("requestObject") is not None:
            p["request"] = ev["requestObject"]
        if ev.get("responseObject") is not None:
            p["response"] = ev["responseObject"]
    ann = ev.get("annotations", {})
    labels = {k: v for k, v in ann.items() if k.startswith("authorization.k8s.io/")}
    t = ev.get("requestReceivedTimestamp") or ev.get("stageTimestamp")
    entry = {
        "insertId": f"gke-{i:06d}",
        "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
        "operation": {"first": True, "last": True, "id": ev.get("auditID", f"op-{i}"),
                      "producer": "k8s.io"},
        "protoPayload": p,
        "receiveTimestamp": t,
        "resource": {"labels": {"cluster_name": "prod", "location": "europe-west1", "project_id": "acme-prod"},
                     "type": "k8s_cluster"},
        "severity": "NOTICE",
        "timestamp": t,
    }
    if labels:
        entry["labels"] = labels
    return entry


def gke_other_service():
    # An entry of another Google service in the same export: ignored, not malformed.
    return {"insertId": "gce-1", "protoPayload": {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog", "serviceName": "container.googleapis.com",
        "methodName": "google.container.v1.ClusterManager.GetCluster"},
        "resource": {"type": "gke_cluster"}, "timestamp": "2026-07-01T09:00:00Z"}


def gke_resource_events(events):
    # Non-resource requests (/version, /healthz) are not in GKE's audit log.
    return [ev for ev in events if ev.get("objectRef", {}).get("resource")]


def gke_gcloud(events):
    entries = [gke_entry(ev, i) for i, ev in enumerate(gke_resource_events(events))]
    entries.append(gke_other_service())
    # `gcloud logging read` lists newest first.
    entries.reverse()
    return json.dumps(entries, indent=2) + "\n"


def gke_sink(events):
    lines = [compact(gke_entry(ev, i)) for i, ev in enumerate(gke_resource_events(events))]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- AKS / Azure Monitor

def aks_record(ev, i):
    t = ev.get("stageTimestamp") or ev["requestReceivedTimestamp"]
    # properties.log as an escaped string (the usual), once as an object.
    log = ev if i == 2 else compact(ev)
    return {"time": t, "resourceId": "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/PROD",
            "category": "kube-audit", "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
            "properties": {"log": log, "stream": "stdout", "pod": "kube-apiserver-7d9f8b6c5-x2x4q"}}


def aks_diagnostics(events):
    lines = [compact(aks_record(ev, i)) for i, ev in enumerate(events)]
    lines.insert(1, compact({"time": "2026-07-01T14:00:00Z", "category": "guard", "operationName": "x",
                             "properties": {"log": "guard: authenticated user", "pod": "guard-1"}}))
    return "\n".join(lines) + "\n"


def aks_records(events):
    return json.dumps({"records": [aks_record(ev, i) for i, ev in enumerate(events)]}) + "\n"


def aks_row(ev, i):
    def dyn(v, as_string):
        return json.dumps(v) if as_string else v
    s = i % 2 == 0  # dynamic columns as JSON strings on even rows, objects on odd
    row = {
        "TenantId": "00000000-0000-0000-0000-000000000000",
        "TimeGenerated": ev.get("stageTimestamp"),
        "Level": ev.get("level", "Metadata"),
        "AuditId": ev.get("auditID"),
        "Stage": ev.get("stage"),
        "RequestUri": ev.get("requestURI"),
        "Verb": ev.get("verb"),
        "User": dyn(ev.get("user", {}), s),
        "SourceIps": dyn(ev.get("sourceIPs", []), s),
        "ObjectRef": dyn(ev.get("objectRef", {}), s),
        "ResponseStatus": dyn(ev.get("responseStatus", {}), s) if ev.get("responseStatus") else "",
        "RequestReceivedTime": ev.get("requestReceivedTimestamp"),
        "StageReceivedTime": ev.get("stageTimestamp"),
        "Annotations": dyn(ev.get("annotations", {}), s),
        "PodName": "kube-apiserver-7d9f8b6c5-x2x4q",
        "SourceSystem": "Azure",
        "Type": "AKSAudit",
        "_ResourceId": "/subscriptions/0000/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/prod",
    }
    if ev.get("userAgent"):
        row["UserAgent"] = ev["userAgent"]
    for col, key in (("RequestObject", "requestObject"), ("ResponseObject", "responseObject")):
        if ev.get(key) is not None:
            row[col] = dyn(ev[key], s)
        else:
            row[col] = "skipped-too-big-size-object" if i % 3 == 0 else ""
    return row


def aks_log_analytics(events):
    return json.dumps([aks_row(ev, i) for i, ev in enumerate(events)], indent=2) + "\n"


# ---------------------------------------------------------------- Elastic

def underscore_keys(m):
    out = {}
    for k, v in m.items():
        if "/" in k:
            dom, rest = k.split("/", 1)
            k = dom.replace(".", "_") + "/" + rest
        out[k] = v
    return out


def elastic_doc(ev):
    a = copy.deepcopy(ev)
    if "annotations" in a:
        a["annotations"] = underscore_keys(a["annotations"])
    if "user" in a and "extra" in a["user"]:
        a["user"]["extra"] = underscore_keys(a["user"]["extra"])
    t = ev.get("requestReceivedTimestamp") or ev.get("stageTimestamp")
    return {"@timestamp": t, "data_stream": {"dataset": "kubernetes.audit_logs", "namespace": "default", "type": "logs"},
            "event": {"dataset": "kubernetes.audit_logs", "kind": "event"},
            "kubernetes": {"audit": a}}


def flatten(prefix, v, out):
    if isinstance(v, dict) and v and not any("/" in k for k in v):
        for k, x in v.items():
            flatten(f"{prefix}.{k}", x, out)
    else:
        out[prefix] = v


def elastic_search(events):
    hits = [{"_index": ".ds-logs-kubernetes.audit_logs-default-2026.07.01-000001", "_id": f"e{i}",
             "_score": None, "_source": elastic_doc(ev), "sort": [i]} for i, ev in enumerate(events)]
    return json.dumps({"took": 12, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                       "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": None, "hits": hits}},
                      indent=2) + "\n"


def elastic_source(events):
    lines = []
    for i, ev in enumerate(events):
        doc = elastic_doc(ev)
        if i % 2 == 1:
            # Some exports flatten to dotted keys.
            flat = {"@timestamp": doc["@timestamp"]}
            flatten("kubernetes.audit", doc["kubernetes"]["audit"], flat)
            doc = flat
        lines.append(compact(doc))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- minimal events

def minimal(events):
    lines = []
    for ev in events:
        m = {k: v for k, v in ev.items() if k not in ("apiVersion", "auditID", "requestURI", "level", "stage")}
        if ev.get("objectRef", {}).get("subresource") in ("exec", "attach"):
            m["requestURI"] = ev["requestURI"]  # the command is only there
        lines.append(compact(m))
    return "\n".join(lines) + "\n"


FORMATS = {
    "eks-filter-log-events.json": (eks_filter_log_events, False),
    "eks-s3-export.log.gz": (eks_s3_export, False),
    "eks-firehose.gz": (eks_firehose, False),
    "eks-insights.json": (eks_insights, False),
    "gke-gcloud.json": (gke_gcloud, True),
    "gke-sink.jsonl": (gke_sink, True),
    "aks-diagnostics.jsonl": (aks_diagnostics, False),
    "aks-records.json": (aks_records, False),
    "aks-log-analytics.json": (aks_log_analytics, False),
    "elastic-search.json": (elastic_search, False),
    "elastic-source.jsonl": (elastic_source, False),
    "minimal.jsonl": (minimal, True),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for attack, path in ATTACKS.items():
        events = load(path)
        for name, (fn, per_request) in FORMATS.items():
            evs = last_stage(events) if per_request else events
            write(f"{attack}.{name}", fn(evs))
    print(f"wrote {len(ATTACKS) * len(FORMATS)} fixtures to {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
