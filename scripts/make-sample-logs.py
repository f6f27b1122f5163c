#!/usr/bin/env python3
"""Write the sample kube-apiserver audit logs under sample-logs/.

Stdlib only and deterministic: every run rewrites every file under
sample-logs/ byte for byte (seeded RNGs, hash-derived UIDs, no wall clock,
no set iteration). Run it from anywhere:

    python3 scripts/make-sample-logs.py

The events are shaped like what kube-apiserver v1.30 writes (audit.k8s.io/v1,
field order of the Go structs, compact JSON with `&`, `<`, `>` escaped as
`\\u0026`, `\\u003c`, `\\u003e`), under this audit policy:

* RBAC writes (roles, clusterroles, rolebindings, clusterrolebindings):
  level RequestResponse, every stage;
* secrets, serviceaccounts/token, pods/exec|attach|portforward: level
  Metadata, every stage, so these requests also log RequestReceived;
* everything else: level Metadata, RequestReceived omitted.

What the API server really does and the files keep: RequestReceived carries
no responseStatus, no authorization annotations and no impersonatedUser
(those are added by filters that run after it is written); a create's
RequestReceived has no objectRef.name (it comes from the body later), and a
create with generateName never gets one; an update's objectRef carries the
uid and resourceVersion of the object sent; watches log ResponseStarted and,
5-10 minutes later, ResponseComplete; an exec upgraded to a stream logs
ResponseStarted with code 101 and, here, no ResponseComplete.

Before writing, the generator checks the properties the benign log promises
(see check_benign) and fails loudly if an edit broke one.
"""

import base64
import hashlib
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample-logs"

# --------------------------------------------------------------------------
# time

US = 1_000_000
SEC = US
MIN = 60 * US
HOUR = 60 * MIN
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAY = "2026-07-01"


def at(hms, day=DAY):
    """`"10:00:05.250"` on 2026-07-01 as microseconds since the epoch."""
    if "." in hms:
        hms, frac = hms.split(".")
        micros = int(frac.ljust(6, "0"))
    else:
        micros = 0
    dt = datetime.fromisoformat(f"{day}T{hms}+00:00")
    return (dt - EPOCH) // timedelta(microseconds=1) + micros


def ts(us):
    """RFC 3339 with microseconds, as the audit log writes it."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ts_s(us):
    """RFC 3339 to the second, as object metadata writes it."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_duration(seconds):
    m, s = divmod(seconds, 60)
    return f"{m}m{s}s" if m else f"{s}s"


def sid(*parts):
    """A stable UUID (v4 layout) derived from its parts, for object UIDs."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def phase(key, period):
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % period


def qs(pairs):
    """A query string as Go's url.Values.Encode writes it: keys sorted,
    QueryEscape (space is `+`)."""
    items = sorted(pairs, key=lambda kv: kv[0])
    return "&".join(f"{k}={quote_plus(str(v), safe='')}" for k, v in items)


# --------------------------------------------------------------------------
# identities

K8S = "v1.30.2"
GIT = "3968350"
KUBECTL = f"kubectl/{K8S} (linux/amd64) kubernetes/{GIT}"
KUBECTL_MAC = f"kubectl/{K8S} (darwin/arm64) kubernetes/{GIT}"
KUBECTL_OLD = "kubectl/v1.29.6 (linux/amd64) kubernetes/062798d"
KUBELET = f"kubelet/{K8S} (linux/amd64) kubernetes/{GIT}"
KCM = f"kube-controller-manager/{K8S} (linux/amd64) kubernetes/{GIT}"
SCHED = f"kube-scheduler/{K8S} (linux/amd64) kubernetes/{GIT}/scheduler"
HELM = "Helm/3.15.2"
APISERVER = f"kube-apiserver/{K8S} (linux/amd64) kubernetes/{GIT}"
CURL = "curl/8.5.0"
TOKEN_PERIOD = 48 * MIN  # kubelet refreshes a 1h projected token at 80 %
TOKEN_EPOCH = at("00:00:00")
KCM_TOKENS_FROM = at("08:00:01")  # kube-controller-manager (re)starts and mints its controllers' tokens


class Actor:
    """Who makes a request: user info, source IPs, user agent, and the
    authorization reason the RBAC (or Node) authorizer gives when allowed."""

    def __init__(self, username, groups, ips, ua, reason, uid=None, pod=None, node=None,
                 jti_only=False):
        self.username = username
        self.groups = groups
        self.ips = ips if isinstance(ips, list) else [ips]
        self.ua = ua
        self.reason = reason
        self.uid = uid
        self.pod = pod  # (namespace, name) for a projected, pod-bound token
        self.node = node
        self.jti_only = jti_only  # TokenRequest token not bound to a pod

    def with_(self, **kw):
        clone = Actor.__new__(Actor)
        clone.__dict__.update(self.__dict__)
        clone.__dict__.update(kw)
        if "ips" in kw and not isinstance(kw["ips"], list):
            clone.ips = [kw["ips"]]
        return clone

    def user_at(self, t):
        user = {"username": self.username}
        if self.uid:
            user["uid"] = self.uid
        user["groups"] = list(self.groups)
        if self.pod:
            ns, pod = self.pod
            n = (t - TOKEN_EPOCH - phase(pod, TOKEN_PERIOD)) // TOKEN_PERIOD
            user["extra"] = {
                "authentication.kubernetes.io/credential-id": [f"JTI={sid('jti', pod, str(n))}"],
                "authentication.kubernetes.io/node-name": [self.node],
                "authentication.kubernetes.io/node-uid": [sid("node", self.node)],
                "authentication.kubernetes.io/pod-name": [pod],
                "authentication.kubernetes.io/pod-uid": [sid("pod", ns, pod)],
            }
        elif self.jti_only:
            n = (t - KCM_TOKENS_FROM) // TOKEN_PERIOD
            user["extra"] = {
                "authentication.kubernetes.io/credential-id": [f"JTI={sid('jti', self.username, str(n))}"],
            }
        return user


def human(name, groups, ip, ua, reason):
    return Actor(name, groups + ["system:authenticated"], ip, ua, reason)


def node(name, ip):
    # The Node authorizer allows with an empty reason.
    return Actor(f"system:node:{name}", ["system:nodes", "system:authenticated"], ip, KUBELET, "")


def sa(ns, name, ip, ua, reason, pod=None, node=None, legacy=False, jti_only=False):
    return Actor(
        f"system:serviceaccount:{ns}:{name}",
        ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
        ip, ua, reason, uid=sid("sa", ns, name),
        pod=None if legacy else ((ns, pod) if pod else None), node=node, jti_only=jti_only,
    )


def crb_reason(binding, role, subject):
    return f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{role}" to {subject}'


DISCOVERY_REASON = crb_reason("system:discovery", "system:discovery", 'Group "system:authenticated"')


def rb_reason(binding, ns, role_kind, role, subject):
    return f'RBAC: allowed by RoleBinding "{binding}/{ns}" of {role_kind} "{role}" to {subject}'


def sa_subject(ns, name):
    return f'ServiceAccount "{name}/{ns}"'


# --------------------------------------------------------------------------
# objects and requests

RBAC = "rbac.authorization.k8s.io"
RBAC_V1 = f"{RBAC}/v1"
RBAC_RESOURCES = ("roles", "clusterroles", "rolebindings", "clusterrolebindings")
RR_SUBRESOURCES = ("exec", "attach", "portforward")


def ref(resource, ns=None, name=None, *, group=None, version="v1", sub=None, uid=None, rv=None):
    """objectRef, in the Go field order; core group has no apiGroup."""
    out = {"resource": resource}
    if ns:
        out["namespace"] = ns
    if name:
        out["name"] = name
    if uid:
        out["uid"] = uid
    if group:
        out["apiGroup"] = group
    out["apiVersion"] = version
    if rv:
        out["resourceVersion"] = rv
    if sub:
        out["subresource"] = sub
    return out


def path_for(r, verb):
    group = r.get("apiGroup")
    path = f"/apis/{group}/{r['apiVersion']}" if group else f"/api/{r['apiVersion']}"
    if r.get("namespace"):
        path += f"/namespaces/{r['namespace']}"
    path += f"/{r['resource']}"
    sub = r.get("subresource")
    if r.get("name") and (verb != "create" or sub):
        path += f"/{r['name']}"
    if sub:
        path += f"/{sub}"
    return path


def is_rbac_write(r, verb):
    return bool(r) and r.get("apiGroup") == RBAC and r["resource"] in RBAC_RESOURCES and verb in (
        "create", "update", "patch", "delete", "deletecollection")


def logs_request_received(r, verb):
    if not r:
        return False
    if r["resource"] == "secrets" or is_rbac_write(r, verb):
        return True
    return (r["resource"], r.get("subresource")) == ("serviceaccounts", "token") or (
        r["resource"] == "pods" and r.get("subresource") in RR_SUBRESOURCES)


def response_status(code, verb, r, username):
    if code < 400:
        return {"metadata": {}, "code": code}
    resource = r["resource"] + (f"/{r['subresource']}" if r.get("subresource") else "")
    name = r.get("name")
    details = {}
    if name:
        details["name"] = name
    if r.get("apiGroup"):
        details["group"] = r["apiGroup"]
    details["kind"] = r["resource"]
    target = f'{r["resource"]} "{name}"' if name else r["resource"]
    if code == 403:
        group = r.get("apiGroup", "")
        scope = f'in the namespace "{r["namespace"]}"' if r.get("namespace") else "at the cluster scope"
        message = (f'{target} is forbidden: User "{username}" cannot {verb} resource "{resource}" '
                   f'in API group "{group}" {scope}')
        reason = "Forbidden"
    elif code == 404:
        message, reason = f"{target} not found", "NotFound"
    else:
        raise ValueError(code)
    return {"metadata": {}, "status": "Failure", "message": message, "reason": reason,
            "details": details, "code": code}


class Log:
    """The events of one file, written sorted by stageTimestamp."""

    def __init__(self, name, start, lo=None, hi=None):
        self.name = name
        self.rng = random.Random(f"ktriage sample logs: {name}")
        self.start = start
        self.lo = lo  # events staged before lo / after hi fall outside the capture
        self.hi = hi
        self.rows = []
        self.seq = 0
        self.rv_base = 4_800_000 + phase(name, 900_000)

    # randomness -----------------------------------------------------------
    def audit_id(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ms(self, lo, hi):
        return int(self.rng.uniform(lo, hi) * 1000)

    def jitter(self, seconds):
        return int(self.rng.uniform(0, seconds) * US)

    def rv(self, t):
        """etcd revision at time t (about seven writes a second)."""
        return str(self.rv_base + max(0, t - self.start) * 7 // US + self.rng.randint(0, 5))

    # events ---------------------------------------------------------------
    def emit(self, stage_t, event):
        self.rows.append((stage_t, self.seq, event))
        self.seq += 1

    def call(self, t, who, verb, r=None, *, query=None, uri=None, code=None, lat=None,
             level=None, rr=None, req_obj=None, resp_obj=None, status=None, imp=None,
             imp_reason=None, watch=None, stream=False, reason=None, name_in_rc=True):
        """One request: its stages, by the policy in the module docstring.

        watch=seconds: a watch (ResponseStarted now, ResponseComplete when the
        server-side timeout ends). stream=True: an upgraded stream (exec):
        ResponseStarted with code 101 and no ResponseComplete.
        """
        if uri is None:
            uri = path_for(r, verb) + (f"?{qs(query)}" if query else "")
        if code is None:
            code = 101 if stream else (201 if verb == "create" else 200)
        if level is None:
            level = "RequestResponse" if is_rbac_write(r, verb) else "Metadata"
        if rr is None:
            rr = logs_request_received(r, verb)
        if lat is None:
            lat = {"get": self.ms(1, 9), "list": self.ms(3, 40), "watch": self.ms(1, 4)}.get(
                verb, self.ms(4, 25))
        effective = imp["username"] if imp else who.username
        forbid = code in (401, 403)
        annotations = {
            "authorization.k8s.io/decision": "forbid" if forbid else "allow",
            "authorization.k8s.io/reason": "" if forbid else (
                reason if reason is not None else (imp_reason if imp else who.reason)),
        }
        if t % 1000 == 0:  # given to the millisecond: add the microseconds a real clock has
            t += self.rng.randint(0, 999)
        aid = self.audit_id()
        user = who.user_at(t)

        def event(stage, stage_t, full):
            ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level,
                  "auditID": aid, "stage": stage, "requestURI": uri, "verb": verb, "user": user}
            if imp and full:
                ev["impersonatedUser"] = imp
            ev["sourceIPs"] = list(who.ips)
            ev["userAgent"] = who.ua
            if r:
                obj = dict(r)
                creating = verb == "create" and not r.get("subresource")
                if creating and (not full or not name_in_rc):
                    obj.pop("name", None)
                if not full:
                    obj.pop("uid", None)
                    obj.pop("resourceVersion", None)
                ev["objectRef"] = obj
            if full:
                if stage == "ResponseStarted" and stream:
                    ev["responseStatus"] = {"metadata": {}, "code": code}
                else:
                    ev["responseStatus"] = status or response_status(code, verb, r, effective)
                if req_obj is not None and level in ("Request", "RequestResponse"):
                    ev["requestObject"] = req_obj
                if resp_obj is not None and level == "RequestResponse" and stage == "ResponseComplete":
                    ev["responseObject"] = resp_obj
            ev["requestReceivedTimestamp"] = ts(t)
            ev["stageTimestamp"] = ts(stage_t)
            if full:
                ev["annotations"] = annotations
            return ev

        if rr:
            self.emit(t, event("RequestReceived", t, False))
        if watch:
            t_started = t + lat
            self.emit(t_started, event("ResponseStarted", t_started, True))
            t_done = t + watch * US + self.ms(0.2, 3)
            self.emit(t_done, event("ResponseComplete", t_done, True))
        elif stream:
            t_started = t + lat
            self.emit(t_started, event("ResponseStarted", t_started, True))
        else:
            self.emit(t + lat, event("ResponseComplete", t + lat, True))
        return aid

    # write ------------------------------------------------------------------
    def lines(self):
        out = []
        for stage_t, _, ev in sorted(self.rows, key=lambda row: (row[0], row[1])):
            if self.lo is not None and stage_t < self.lo:
                continue
            if self.hi is not None and stage_t > self.hi:
                continue
            text = json.dumps(ev, separators=(",", ":"), ensure_ascii=False)
            out.append(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
        return out


# request helpers -------------------------------------------------------------


def watch_query(log, t, timeout, *, selector=None, label=None):
    pairs = [("allowWatchBookmarks", "true"), ("resourceVersion", log.rv(t - 2 * SEC)),
             ("timeout", go_duration(timeout)), ("timeoutSeconds", str(timeout)), ("watch", "true")]
    if selector:
        pairs.append(("fieldSelector", selector))
    if label:
        pairs.append(("labelSelector", label))
    return pairs


def list_query(*, selector=None, label=None, limit=500, rv0=True):
    pairs = [("limit", str(limit))]
    if rv0:
        pairs.append(("resourceVersion", "0"))
    if selector:
        pairs.append(("fieldSelector", selector))
    if label:
        pairs.append(("labelSelector", label))
    return pairs


def informer(log, who, r, t_from, t_to, *, selector=None, label=None, list_first=False,
             timeout_range=(300, 599)):
    """A reflector: optional list, then back-to-back watches whose server-side
    timeout is drawn from 5-10 minutes (client-go's minWatchTimeout * [1, 2))."""
    t = t_from
    if list_first:
        log.call(t, who, "list", r, query=list_query(selector=selector, label=label))
        t += log.ms(20, 80)
    while t < t_to:
        timeout = log.rng.randint(*timeout_range)
        log.call(t, who, "watch", r, query=watch_query(log, t, timeout, selector=selector, label=label),
                 watch=timeout)
        t += timeout * US + log.ms(2, 12)


def name_selector(name):
    return f"metadata.name={name}"


def rbac_meta(name, t, rv, managers, ns=None, labels=None, annotations=None, created=None):
    meta = {"name": name}
    if ns:
        meta["namespace"] = ns
    meta["uid"] = sid("rbac", ns or "", name)
    meta["resourceVersion"] = rv
    meta["creationTimestamp"] = ts_s(created if created is not None else t)
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    meta["managedFields"] = managers
    return meta


def managed(manager, t, fields, operation="Update"):
    return {"manager": manager, "operation": operation, "apiVersion": RBAC_V1, "time": ts_s(t),
            "fieldsType": "FieldsV1", "fieldsV1": fields}


def rule(verbs, groups, resources, names=None):
    out = {"verbs": verbs, "apiGroups": groups, "resources": resources}
    if names:
        out["resourceNames"] = names
    return out


def subject_user(name):
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def subject_group(name):
    return {"kind": "Group", "apiGroup": RBAC, "name": name}


def subject_sa(ns, name):
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


def role_ref(kind, name):
    return {"apiGroup": RBAC, "kind": kind, "name": name}


def create_binding(log, t, who, name, subjects, roleref, ns=None, reason=None):
    """`kubectl create clusterrolebinding|rolebinding`, level RequestResponse."""
    kind = "RoleBinding" if ns else "ClusterRoleBinding"
    meta_req = {"name": name}
    if ns:
        meta_req["namespace"] = ns
    meta_req["creationTimestamp"] = None
    req = {"kind": kind, "apiVersion": RBAC_V1, "metadata": meta_req, "subjects": subjects, "roleRef": roleref}
    resp = {"kind": kind, "apiVersion": RBAC_V1,
            "metadata": rbac_meta(name, t, log.rv(t), [managed("kubectl-create", t, {"f:roleRef": {}, "f:subjects": {}})], ns=ns),
            "subjects": subjects, "roleRef": roleref}
    r = ref("rolebindings" if ns else "clusterrolebindings", ns, name, group=RBAC)
    return log.call(t, who, "create", r, query=[("fieldManager", "kubectl-create"), ("fieldValidation", "Strict")],
                    req_obj=req, resp_obj=resp, reason=reason)


def create_role(log, t, who, name, rules, ns=None, reason=None):
    """`kubectl create clusterrole|role`, level RequestResponse."""
    kind = "Role" if ns else "ClusterRole"
    meta_req = {"name": name}
    if ns:
        meta_req["namespace"] = ns
    meta_req["creationTimestamp"] = None
    req = {"kind": kind, "apiVersion": RBAC_V1, "metadata": meta_req, "rules": rules}
    resp = {"kind": kind, "apiVersion": RBAC_V1,
            "metadata": rbac_meta(name, t, log.rv(t), [managed("kubectl-create", t, {"f:rules": {}})], ns=ns),
            "rules": rules}
    r = ref("roles" if ns else "clusterroles", ns, name, group=RBAC)
    return log.call(t, who, "create", r, query=[("fieldManager", "kubectl-create"), ("fieldValidation", "Strict")],
                    req_obj=req, resp_obj=resp, reason=reason)


def exec_uri(ns, pod, container, command_encoded, tty=True):
    q = f"{command_encoded}&container={container}&stdin=true&stdout=true"
    q += "&tty=true" if tty else "&stderr=true"
    return f"/api/v1/namespaces/{ns}/pods/{pod}/exec?{q}"


def commands(*args):
    return "&".join(f"command={quote_plus(a, safe='')}" for a in args)


# --------------------------------------------------------------------------
# 1. the validation sample of seed 000


def exfil_sample():
    log = Log("k8s_exec_secret_exfil", at("14:00:00"))
    ci = human("ci-deployer", ["developers"], "198.51.100.23", KUBECTL,
               crb_reason("ci-deployer-admin", "cluster-admin", 'User "ci-deployer"'))
    attacker = human("attacker-admin", [], "203.0.113.77", KUBECTL,
                     crb_reason("attacker-admin-binding", "cluster-admin", 'User "attacker-admin"'))
    jane = human("jane@example.com", ["developers"], "10.20.4.17", KUBECTL_MAC,
                 rb_reason("developers-view", "prod", "ClusterRole", "view", 'Group "developers"'))
    coredns = sa("kube-system", "coredns", "10.244.1.3", "coredns/v0.0.0 (linux/amd64) kubernetes/$Format",
                 crb_reason("system:coredns", "system:coredns", sa_subject("kube-system", "coredns")),
                 pod="coredns-7db6d8ff4d-4kq9x", node="node-a")
    nodes = {"node-a": node("node-a", "10.0.1.11"), "node-b": node("node-b", "10.0.2.12")}

    def lease(t, name):
        n = nodes[name]
        log.call(t, n, "update", ref("leases", "kube-node-lease", name, group="coordination.k8s.io",
                                     uid=sid("lease", name), rv=log.rv(t - 10 * SEC)),
                 uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}?timeout=10s")

    for t, name in [("14:00:03.112", "node-a"), ("14:00:07.904", "node-b"), ("14:03:13.271", "node-a"),
                    ("14:06:57.630", "node-b"), ("14:09:43.545", "node-a"), ("14:13:08.017", "node-b"),
                    ("14:15:53.880", "node-a")]:
        lease(at(t), name)

    eps = ref("endpointslices", group="discovery.k8s.io")
    t = at("14:00:41.306")
    for timeout in (468, 391):
        log.call(t, coredns, "watch", eps, query=watch_query(log, t, timeout), watch=timeout)
        t += timeout * US + log.ms(3, 9)

    # A developer looks at the payments pods.
    log.call(at("14:01:22.418"), jane, "list", ref("pods", "prod"), query=[("limit", "500")])
    log.call(at("14:01:58.771"), jane, "get", ref("deployments", "prod", "payments-api", group="apps"))

    # ci-deployer grants cluster-admin to a new user.
    create_binding(log, at("14:02:31.604"), ci, "attacker-admin-binding", [subject_user("attacker-admin")],
                   role_ref("ClusterRole", "cluster-admin"))

    # attacker-admin: discovery, can-i, then loot.
    log.call(at("14:04:29.015"), attacker, "get", uri="/api?timeout=32s", reason=DISCOVERY_REASON)
    log.call(at("14:04:29.031"), attacker, "get", uri="/apis?timeout=32s", reason=DISCOVERY_REASON)
    log.call(at("14:04:36.882"), attacker, "get", ref("secrets", "prod", "aws-credentials"))
    log.call(at("14:04:52.140"), attacker, "get", ref("secrets", "prod", "db-credentials"))
    log.call(at("14:05:40.377"), attacker, "create",
             ref("pods", "prod", "payments-api-6f7c9d-abcde", sub="exec"),
             uri=exec_uri("prod", "payments-api-6f7c9d-abcde", "payments-api",
                          "command=sh&command=-c&command=cat%20%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken"),
             stream=True, lat=log.ms(40, 90))

    log.call(at("14:11:47.903"), jane, "list", ref("pods", "prod"), query=[("limit", "500")])
    return log


# --------------------------------------------------------------------------
# 2. a busy, benign cluster

B_LO = at("08:00:00")
B_HI = at("10:10:00")

NODES = {"node-a": "10.0.1.11", "node-b": "10.0.2.12", "node-c": "10.0.3.13"}
# control-plane nodes, in two subnets; kube-controller-manager leads on cp-1
# and fails over to cp-2 at FAILOVER
CP_NODES = {"cp-1": "10.0.0.10", "cp-2": "10.0.16.10"}
FAILOVER = at("09:40:02.517")

# namespace, pod, node, service account, secrets mounted (watched by the
# kubelet), image pull secrets, started at (None: before the capture)
PODS = [
    ("prod", "web-7d9f8b6c5-k2m4p", "node-a", "web", ["app-tls"], ["regcred"], None),
    ("prod", "web-7d9f8b6c5-r8v3n", "node-b", "web", ["app-tls"], ["regcred"], None),
    ("prod", "payments-api-6f7c9d-x7q2w", "node-b", "payments", ["db-credentials", "stripe-api-key"], ["regcred"], None),
    ("myapp", "myapp-5c8d7f9b4-qh7zt", "node-c", "myapp", ["myapp-config", "myapp-tls"], ["ghcr-pull"], None),
    ("podinfo", "podinfo-6b7c9d5f8-2xkzl", "node-a", "default", [], ["ghcr-pull"], None),
    ("cert-manager", "cert-manager-7c9f6d8b5-lm2vn", "node-b", "cert-manager", [], [], None),
    ("cert-manager", "cert-manager-webhook-5d4f8c7b9-jw6hx", "node-c", "cert-manager-webhook", ["cert-manager-webhook-ca"], [], None),
    ("external-secrets", "external-secrets-6b8d9c7f4-p9r3t", "node-c", "external-secrets", [], [], None),
    ("external-secrets", "external-secrets-webhook-7b5c9d8f6-m3kzn", "node-a", "external-secrets-webhook", ["external-secrets-webhook"], [], None),
    ("flux-system", "source-controller-6c8f5d9b7-hv4kq", "node-a", "source-controller", [], [], None),
    ("flux-system", "kustomize-controller-5f7b8c9d6-d4x8s", "node-a", "kustomize-controller", [], [], None),
    ("flux-system", "helm-controller-7d6c5b8f9-nq5wz", "node-b", "helm-controller", [], [], None),
    ("argocd", "argocd-application-controller-0", "node-c", "argocd-application-controller", [], [], None),
    ("argocd", "argocd-server-7f8d9c6b5-wz4nt", "node-b", "argocd-server", ["argocd-server-tls"], [], None),
    ("argocd", "argocd-repo-server-6c9b8d7f5-tq2lx", "node-c", "argocd-repo-server", ["argocd-repo-server-tls"], [], None),
    ("security", "trivy-operator-5d9f8c7b6-x2x9k", "node-a", "trivy-operator", [], [], None),
    ("kube-system", "coredns-7db6d8ff4d-4kq9x", "node-a", "coredns", [], [], None),
    ("kube-system", "coredns-7db6d8ff4d-vx7pl", "node-b", "coredns", [], [], None),
    ("kube-system", "csi-secrets-store-8hx2k", "node-b", "secrets-store-csi-driver", [], [], None),
    ("kube-system", "csi-azurefile-controller-7b7f546c46-2kq8x", "node-a", "csi-azurefile-controller-sa", [], [], None),
    ("kube-system", "csi-azurefile-node-9vc6q", "node-b", "csi-azurefile-node-sa", [], [], None),
    ("cert-manager", "cert-manager-cainjector-6d7f8c9b5-fh2kz", "node-a", "cert-manager-cainjector", [], [], None),
    ("kube-system", "kube-state-metrics-6f8c7d9b5-w2kxq", "node-c", "kube-state-metrics", [], [], None),
    # started during the capture
    ("prod", "web-7d9f8b6c5-z6w2j", "node-c", "web", ["app-tls"], ["regcred"], "08:06:12.418"),
    ("podinfo", "podinfo-85d4c7f6b9-l8s4w", "node-a", "default", [], ["ghcr-pull"], "09:31:05.904"),
]

POD_IPS = {
    "cert-manager-7c9f6d8b5-lm2vn": "10.244.2.17",
    "external-secrets-6b8d9c7f4-p9r3t": "10.244.3.22",
    "source-controller-6c8f5d9b7-hv4kq": "10.244.1.14",
    "kustomize-controller-5f7b8c9d6-d4x8s": "10.244.1.15",
    "helm-controller-7d6c5b8f9-nq5wz": "10.244.2.19",
    "argocd-application-controller-0": "10.244.3.30",
    "argocd-server-7f8d9c6b5-wz4nt": "10.244.2.25",
    "trivy-operator-5d9f8c7b6-x2x9k": "10.244.1.21",
    "coredns-7db6d8ff4d-4kq9x": "10.244.1.3",
    "coredns-7db6d8ff4d-vx7pl": "10.244.2.4",
    "csi-secrets-store-8hx2k": "10.244.2.9",
    "csi-azurefile-controller-7b7f546c46-2kq8x": "10.244.1.27",
    "csi-azurefile-node-9vc6q": "10.0.2.12",  # hostNetwork
    "cert-manager-cainjector-6d7f8c9b5-fh2kz": "10.244.1.18",
    "kube-state-metrics-6f8c7d9b5-w2kxq": "10.244.3.41",
}


def pod_sa(ns, pod_name, ua, reason):
    for p_ns, p_name, p_node, p_sa, *_ in PODS:
        if (p_ns, p_name) == (ns, pod_name):
            return sa(ns, p_sa, POD_IPS[pod_name], ua, reason, pod=pod_name, node=p_node)
    raise KeyError(pod_name)


def kcm_sa(name, role=None):
    return sa("kube-system", name, "10.0.0.10",
              f"{KCM}/system:serviceaccount:kube-system:{name}",
              crb_reason(f"system:controller:{role or name}", f"system:controller:{role or name}",
                         sa_subject("kube-system", name)),
              jti_only=True)


def benign_cluster():
    log = Log("benign-busy-cluster", B_LO, lo=B_LO, hi=B_HI)
    nodes = {name: node(name, ip) for name, ip in NODES.items()}

    kcm_reason = crb_reason("system:kube-controller-manager", "system:kube-controller-manager",
                            'User "system:kube-controller-manager"')
    kcm_informers = Actor("system:kube-controller-manager", ["system:authenticated"], "10.0.0.10",
                          f"{KCM}/shared-informers", kcm_reason)
    kcm_root = kcm_informers.with_(ua=f"{KCM}/kube-controller-manager")
    kcm_tokens = kcm_informers.with_(ua=f"{KCM}/tokens-controller")
    scheduler = Actor("system:kube-scheduler", ["system:authenticated"], "10.0.0.10", SCHED,
                      crb_reason("system:kube-scheduler", "system:kube-scheduler", 'User "system:kube-scheduler"'))
    gc = kcm_sa("generic-garbage-collector")
    ns_ctl = kcm_sa("namespace-controller")
    quota = kcm_sa("resourcequota-controller")
    legacy_cleaner = kcm_sa("legacy-service-account-token-cleaner")
    token_cleaner = kcm_sa("token-cleaner")
    bootstrap_signer = kcm_sa("bootstrap-signer")
    aggregator = kcm_sa("clusterrole-aggregation-controller")
    deploy_ctl = kcm_sa("deployment-controller")
    rs_ctl = kcm_sa("replicaset-controller")
    hpa = kcm_sa("horizontal-pod-autoscaler")
    eps_ctl = kcm_sa("endpointslice-controller")

    coredns = [pod_sa("kube-system", p, "coredns/v0.0.0 (linux/amd64) kubernetes/$Format",
                      crb_reason("system:coredns", "system:coredns", sa_subject("kube-system", "coredns")))
               for p in ("coredns-7db6d8ff4d-4kq9x", "coredns-7db6d8ff4d-vx7pl")]
    csi = pod_sa("kube-system", "csi-secrets-store-8hx2k",
                 "secrets-store-csi/v1.4.3 (linux/amd64) kubernetes/$Format",
                 crb_reason("secretproviderclasses-rolebinding", "secretproviderclasses-role",
                            sa_subject("kube-system", "secrets-store-csi-driver")))
    azf_ctl = pod_sa("kube-system", "csi-azurefile-controller-7b7f546c46-2kq8x",
                     "csi-azurefile-controller/v1.30.3 (linux/amd64)",
                     crb_reason("csi-azurefile-controller-secret-binding", "csi-azurefile-controller-secret-role",
                                sa_subject("kube-system", "csi-azurefile-controller-sa")))
    azf_node = pod_sa("kube-system", "csi-azurefile-node-9vc6q",
                      "csi-azurefile-node/v1.30.3 (linux/amd64)",
                      crb_reason("csi-azurefile-node-secret-binding", "csi-azurefile-node-secret-role",
                                 sa_subject("kube-system", "csi-azurefile-node-sa")))
    cainjector = pod_sa("cert-manager", "cert-manager-cainjector-6d7f8c9b5-fh2kz",
                        "cainjector/v1.14.4 (linux/amd64) cert-manager/2a0ef53b06e183356d922cd58af2510d8885bef5",
                        crb_reason("cert-manager-cainjector", "cert-manager-cainjector",
                                   sa_subject("cert-manager", "cert-manager-cainjector")))
    ksm = pod_sa("kube-system", "kube-state-metrics-6f8c7d9b5-w2kxq",
                 "kube-state-metrics/v2.12.0 (linux/amd64) kubernetes/$Format",
                 crb_reason("kube-state-metrics", "kube-state-metrics", sa_subject("kube-system", "kube-state-metrics")))
    loopback = Actor("system:apiserver", ["system:authenticated", "system:masters"], "127.0.0.1", APISERVER, "",
                     uid=sid("apiserver", "loopback"))
    glbc = Actor("system:l7-lb-controller", ["system:authenticated"], "10.0.0.10",
                 "glbc/v1.29.0 (linux/amd64) kubernetes/$Format",
                 crb_reason("system:controller:glbc", "system:controller:glbc", 'User "system:l7-lb-controller"'))
    addon_mgr = Actor("system:addon-manager", ["system:authenticated"], "10.0.0.10", KUBECTL,
                      crb_reason("system:addon-manager", "cluster-admin", 'User "system:addon-manager"'))
    certm = pod_sa("cert-manager", "cert-manager-7c9f6d8b5-lm2vn",
                   "cert-manager/v1.14.4 (linux/amd64) cert-manager/2a0ef53b06e183356d922cd58af2510d8885bef5",
                   crb_reason("cert-manager-controller-certificates", "cert-manager-controller-certificates",
                              sa_subject("cert-manager", "cert-manager")))
    eso = pod_sa("external-secrets", "external-secrets-6b8d9c7f4-p9r3t", "external-secrets/v0.9.11 (linux/amd64)",
                 crb_reason("external-secrets-controller", "external-secrets-controller",
                            sa_subject("external-secrets", "external-secrets")))
    source = pod_sa("flux-system", "source-controller-6c8f5d9b7-hv4kq",
                    "source-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
                    crb_reason("crd-controller-flux-system", "crd-controller-flux-system",
                               sa_subject("flux-system", "source-controller")))
    kustomize = pod_sa("flux-system", "kustomize-controller-5f7b8c9d6-d4x8s",
                       "kustomize-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
                       crb_reason("cluster-reconciler-flux-system", "cluster-admin",
                                  sa_subject("flux-system", "kustomize-controller")))
    helmctl = pod_sa("flux-system", "helm-controller-7d6c5b8f9-nq5wz",
                     "helm-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
                     crb_reason("cluster-reconciler-flux-system", "cluster-admin",
                                sa_subject("flux-system", "helm-controller")))
    argo_ctl = pod_sa("argocd", "argocd-application-controller-0",
                      "argocd-application-controller/v2.11.3+3f344d5 (linux/amd64)",
                      rb_reason("argocd-application-controller", "argocd", "Role", "argocd-application-controller",
                                sa_subject("argocd", "argocd-application-controller")))
    argo_server = pod_sa("argocd", "argocd-server-7f8d9c6b5-wz4nt", "argocd-server/v2.11.3+3f344d5 (linux/amd64)",
                         rb_reason("argocd-server", "argocd", "Role", "argocd-server",
                                   sa_subject("argocd", "argocd-server")))
    trivy = pod_sa("security", "trivy-operator-5d9f8c7b6-x2x9k",
                   "trivy-operator/v0.0.0 (linux/amd64) kubernetes/$Format",
                   crb_reason("trivy-operator", "trivy-operator", sa_subject("security", "trivy-operator")))
    dev_reason = rb_reason("developers-view", "prod", "ClusterRole", "view", 'Group "developers"')
    priya = human("priya@example.com", ["developers"], "10.20.1.34", KUBECTL_MAC, dev_reason)
    marco = human("marco@example.com", ["developers"], "10.20.2.57", KUBECTL,
                  rb_reason("developers-view", "myapp", "ClusterRole", "view", 'Group "developers"'))
    alice_reason = crb_reason("platform-admins", "cluster-admin", 'Group "platform"')
    alice_kubectl = human("alice@example.com", ["platform"], "10.20.3.41", KUBECTL_MAC, alice_reason)
    public = 'Group "system:unauthenticated"'
    lbs = [Actor("system:anonymous", ["system:unauthenticated"], ip, "ELB-HealthChecker/2.0",
                 crb_reason("system:public-info-viewer", "system:public-info-viewer", public))
           for ip in ("10.0.0.4", "10.0.0.5")]

    # -- kubelets ----------------------------------------------------------
    for name, kubelet in nodes.items():
        t = B_LO - phase(f"lease {name}", 10 * SEC)
        while t < B_HI:
            log.call(t, kubelet, "update",
                     ref("leases", "kube-node-lease", name, group="coordination.k8s.io",
                         uid=sid("lease", name), rv=log.rv(t - 10 * SEC)),
                     uri=f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}?timeout=10s",
                     lat=log.ms(2, 7))
            t += 10 * SEC + log.ms(-40, 40)
        t = B_LO + phase(f"status {name}", 5 * MIN)
        while t < B_HI:
            log.call(t, kubelet, "patch", ref("nodes", name=name, sub="status"),
                     uri=f"/api/v1/nodes/{name}/status?timeout=10s", lat=log.ms(4, 12))
            t += 5 * MIN + log.ms(-300, 300)

    watched_root_ca = []  # (node, namespace) whose kube-root-ca.crt the kubelet already watches
    for ns, pod, node_name, sa_name, secrets, pulls, started in PODS:
        kubelet = nodes[node_name]
        t0 = at(started) if started else None
        # projected service-account token, refreshed at 80 % of its hour
        t = (t0 + log.ms(300, 900)) if t0 else TOKEN_EPOCH + phase(pod, TOKEN_PERIOD)
        while t < B_HI:
            if t >= B_LO:
                log.call(t, kubelet, "create", ref("serviceaccounts", ns, sa_name, sub="token"), lat=log.ms(3, 9))
            t += TOKEN_PERIOD
        for secret in pulls:
            if t0:
                log.call(t0 + log.ms(150, 400), kubelet, "get", ref("secrets", ns, secret))
        for secret in secrets:
            r = ref("secrets", ns)
            if t0:
                informer(log, kubelet, r, t0 + log.ms(100, 300), B_HI, selector=name_selector(secret), list_first=True)
            else:
                informer(log, kubelet, r, B_LO - log.jitter(560), B_HI, selector=name_selector(secret))
        if ns in ("prod", "myapp", "podinfo") and (node_name, ns) not in watched_root_ca:
            watched_root_ca.append((node_name, ns))
            start_ca = (t0 + log.ms(100, 300)) if t0 else B_LO - log.jitter(560)
            informer(log, kubelet, ref("configmaps", ns), start_ca, B_HI,
                     selector=name_selector("kube-root-ca.crt"), list_first=bool(t0))

    # -- kube-controller-manager (restarted at 08:00) ----------------------
    kcm_resources = (("secrets", None), ("pods", None), ("serviceaccounts", None), ("nodes", None),
                     ("deployments", "apps"), ("replicasets", "apps"),
                     ("clusterroles", RBAC), ("endpointslices", "discovery.k8s.io"))
    t = at("08:00:00.214")
    for resource, group in kcm_resources:
        informer(log, kcm_informers, ref(resource, group=group, version="v1"), t, FAILOVER, list_first=True)
        t += log.ms(3, 30)
    # leader failover: the new leader on cp-2 relists everything and mints
    # its controllers' tokens again
    cp2 = CP_NODES["cp-2"]
    t = FAILOVER + log.ms(200, 900)
    for resource, group in kcm_resources:
        informer(log, kcm_informers.with_(ips=cp2), ref(resource, group=group, version="v1"), t, B_HI,
                 list_first=True)
        t += log.ms(3, 30)
    controllers = [gc, aggregator, deploy_ctl, rs_ctl, hpa, eps_ctl, ns_ctl, quota, legacy_cleaner,
                   token_cleaner, bootstrap_signer]
    for i, ctl in enumerate(controllers):
        name = ctl.username.rsplit(":", 1)[1]
        t = KCM_TOKENS_FROM + log.ms(40, 60) + i * log.ms(8, 20)
        while t < FAILOVER:
            log.call(t, kcm_root, "create", ref("serviceaccounts", "kube-system", name, sub="token"), lat=log.ms(3, 8))
            t += TOKEN_PERIOD + log.ms(-900, 900)
        t = FAILOVER + 2 * SEC + i * log.ms(8, 20)
        log.call(t, kcm_root.with_(ips=cp2), "create", ref("serviceaccounts", "kube-system", name, sub="token"),
                 lat=log.ms(3, 8))
    for role, extra_rules in (("admin", ADMIN_EXTRA), ("edit", EDIT_EXTRA)):
        aggregate(log, at("08:00:04.377") + log.ms(1, 40), aggregator, role, extra_rules)

    # -- kube-scheduler ----------------------------------------------------
    informer(log, scheduler, ref("pods"), B_LO - log.jitter(560), B_HI,
             selector="status.phase!=Succeeded,status.phase!=Failed")
    informer(log, scheduler, ref("nodes"), B_LO - log.jitter(560), B_HI)

    # -- CoreDNS -----------------------------------------------------------
    for dns in coredns:
        for resource, group in (("endpointslices", "discovery.k8s.io"), ("services", None), ("namespaces", None)):
            informer(log, dns, ref(resource, group=group), B_LO - log.jitter(560), B_HI)

    # -- pod start-ups: HPA scales web at 08:06, podinfo upgrade at 09:31 ---
    t = at("08:06:11.802")
    log.call(t, hpa, "update", ref("deployments", "prod", "web", group="apps", sub="scale",
                                   uid=sid("deploy", "prod", "web"), rv=log.rv(t)))
    log.call(t + log.ms(30, 60), deploy_ctl, "update",
             ref("replicasets", "prod", "web-7d9f8b6c5", group="apps",
                 uid=sid("rs", "prod", "web-7d9f8b6c5"), rv=log.rv(t)))
    start_pod(log, at("08:06:12.250"), rs_ctl, scheduler, nodes["node-c"], "prod", "web-7d9f8b6c5-z6w2j")
    log.call(t + 2 * SEC, deploy_ctl, "update",
             ref("deployments", "prod", "web", group="apps", sub="status",
                 uid=sid("deploy", "prod", "web"), rv=log.rv(t)))

    # -- container restarts (OOMKilled): the kubelet fetches the pull secret ---
    for t_s, node_name, ns, pod in (("08:27:33.905", "node-a", "prod", "web-7d9f8b6c5-k2m4p"),
                                    ("08:44:12.318", "node-b", "prod", "payments-api-6f7c9d-x7q2w")):
        t = at(t_s)
        kubelet = nodes[node_name]
        log.call(t, kubelet, "patch", ref("pods", ns, pod, sub="status"))
        log.call(t + log.ms(400, 900), kubelet, "get", ref("secrets", ns, "regcred"))
        for step in ("BackOff", "Pulled", "Started"):
            log.call(t + log.ms(1000, 9000), kubelet, "create",
                     ref("events", ns, f"{pod}.{phase(pod + step, 16**16):016x}"))
        log.call(t + log.ms(9000, 12000), kubelet, "patch", ref("pods", ns, pod, sub="status"))

    # -- cert-manager --------------------------------------------------------
    informer(log, certm, ref("secrets"), B_LO - log.jitter(560), B_HI, label="controller.cert-manager.io/fao=true")
    tls = [("prod", "app-tls"), ("myapp", "myapp-tls"), ("argocd", "argocd-server-tls"),
           ("cert-manager", "letsencrypt-prod-account-key")]
    t = at("08:03:41.220")
    while t < B_HI:
        for i, (ns, name) in enumerate(tls):
            log.call(t + i * log.ms(15, 60), certm, "get", ref("secrets", ns, name))
        t += 15 * MIN + log.ms(-20000, 20000)
    # renewal of prod/app-tls: next private key, then the signed pair
    t = at("09:21:07.512")
    log.call(t, certm, "create", ref("secrets", "prod"), query=[("fieldManager", "cert-manager-certificates-key-manager")])
    log.call(t + 2 * SEC + log.ms(0, 500), certm, "get", ref("secrets", "cert-manager", "letsencrypt-prod-account-key"))
    log.call(t + 41 * SEC, certm, "update", ref("secrets", "prod", "app-tls", uid=sid("secret", "prod", "app-tls"), rv=log.rv(t)),
             query=[("fieldManager", "cert-manager-certificates-issuing")])
    log.call(t + 42 * SEC, certm, "delete", ref("secrets", "prod", "app-tls-8tqxv"))
    # a new certificate for the podinfo ingress after its upgrade
    t = at("09:31:48.903")
    log.call(t, certm, "get", ref("secrets", "podinfo", "podinfo-tls"), code=404)
    log.call(t + 1 * SEC, certm, "create", ref("secrets", "podinfo"), query=[("fieldManager", "cert-manager-certificates-key-manager")])
    log.call(t + 38 * SEC, certm, "create", ref("secrets", "podinfo", "podinfo-tls"),
             query=[("fieldManager", "cert-manager-certificates-issuing")])
    log.call(t + 39 * SEC, certm, "delete", ref("secrets", "podinfo", "podinfo-tls-jx7w2"))

    # -- external-secrets: hourly refresh, one new ExternalSecret ----------
    targets = [("prod", "db-credentials"), ("prod", "stripe-api-key"), ("myapp", "myapp-config"),
               ("payments", "psp-webhook-secret")]
    # rescheduled at 09:52 from node-c to node-a: a new pod, a new pod IP in
    # another /24 of the pod network, the same workload
    eso_moved = eso.with_(ips="10.244.1.35", pod=("external-secrets", "external-secrets-6b8d9c7f4-w5j7c"),
                          node="node-a")
    start_pod(log, at("09:52:08.301"), rs_ctl, scheduler, nodes["node-a"], "external-secrets",
              "external-secrets-6b8d9c7f4-w5j7c")
    log.call(at("09:52:09.020"), nodes["node-a"], "create",
             ref("serviceaccounts", "external-secrets", "external-secrets", sub="token"), lat=log.ms(3, 9))
    for start in ("08:07:19.064", "09:07:22.730", "10:07:25.118"):
        t = at(start)
        who = eso if t < at("09:52:00") else eso_moved
        log.call(t, who, "get", ref("secrets", "external-secrets", "vault-approle"))
        for i, (ns, name) in enumerate(targets):
            tt = t + (i + 1) * log.ms(80, 300)
            log.call(tt, who, "get", ref("secrets", ns, name))
            if name == "stripe-api-key" and start.startswith("09"):
                log.call(tt + log.ms(10, 40), eso, "update",
                         ref("secrets", ns, name, uid=sid("secret", ns, name), rv=log.rv(tt)))
    t = at("09:15:02.661")
    log.call(t, eso, "get", ref("secrets", "external-secrets", "vault-approle"))
    log.call(t + log.ms(200, 400), eso, "get", ref("secrets", "prod", "sendgrid-api-key"), code=404)
    log.call(t + log.ms(500, 700), eso, "create", ref("secrets", "prod", "sendgrid-api-key"))

    # -- Flux --------------------------------------------------------------
    t = at("08:01:12.391")
    while t < B_HI:
        log.call(t, source, "get", ref("secrets", "flux-system", "flux-system"))
        t += 5 * MIN + log.ms(-800, 800)
    t = at("08:02:30.118")
    while t < B_HI:
        log.call(t, kustomize, "get", ref("secrets", "flux-system", "sops-age"))
        for ns, kind, name in (("prod", "deployments", "web"), ("prod", "configmaps", "web-config"),
                               ("myapp", "deployments", "myapp")):
            group = "apps" if kind == "deployments" else None
            log.call(t + log.ms(300, 2000), kustomize, "patch", ref(kind, ns, name, group=group),
                     query=[("fieldManager", "kustomize-controller"), ("force", "true")])
        t += 10 * MIN + log.ms(-1500, 1500)
    # kustomize-controller creates a legacy token secret; the tokens controller fills it
    t = at("08:34:58.027")
    log.call(t, kustomize, "create", ref("secrets", "ci", "ci-bot-token"),
             query=[("fieldManager", "kustomize-controller")])
    log.call(t + log.ms(40, 90), kcm_tokens, "get", ref("secrets", "ci", "ci-bot-token"))
    log.call(t + log.ms(100, 160), kcm_tokens, "update",
             ref("secrets", "ci", "ci-bot-token", uid=sid("secret", "ci", "ci-bot-token"), rv=log.rv(t)))
    # pruning: an ExternalSecret (GC deletes the secret it owns) and a ServiceAccount
    t = at("09:38:10.552")
    log.call(t, kustomize, "delete", ref("externalsecrets", "prod", "legacy-smtp", group="external-secrets.io",
                                         version="v1beta1"))
    log.call(t + log.ms(600, 1200), gc, "delete", ref("secrets", "prod", "legacy-smtp"))
    t = at("09:41:59.307")
    log.call(t, kustomize, "delete", ref("serviceaccounts", "ci", "old-deployer"))
    log.call(t + log.ms(300, 700), kcm_tokens, "delete", ref("secrets", "ci", "old-deployer-token"))
    log.call(t + log.ms(900, 1500), gc, "delete", ref("secrets", "ci", "old-deployer-dockercfg"))
    # helm-controller: podinfo HelmRelease every 10 min, upgrade v3 -> v4 at 09:30
    release = "sh.helm.release.v1.podinfo.v3"
    t = at("08:04:44.812")
    while t < B_HI:
        if at("09:30:00") <= t:
            release = "sh.helm.release.v1.podinfo.v4"
        log.call(t, helmctl, "list", ref("secrets", "podinfo"), query=[("labelSelector", "name=podinfo,owner=helm")])
        log.call(t + log.ms(20, 60), helmctl, "get", ref("secrets", "podinfo", release))
        t += 10 * MIN + log.ms(-2000, 2000)
    t = at("09:30:58.114")
    log.call(t, helmctl, "get", ref("secrets", "podinfo", "sh.helm.release.v1.podinfo.v3"))
    log.call(t + log.ms(30, 60), helmctl, "create", ref("secrets", "podinfo", "sh.helm.release.v1.podinfo.v4"))
    log.call(t + log.ms(200, 400), helmctl, "patch", ref("deployments", "podinfo", "podinfo", group="apps"),
             query=[("fieldManager", "helm-controller")])
    log.call(t + log.ms(500, 700), helmctl, "patch", ref("ingresses", "podinfo", "podinfo", group="networking.k8s.io"),
             query=[("fieldManager", "helm-controller")])
    t2 = t + log.ms(700, 900)
    log.call(t2, deploy_ctl, "create", ref("replicasets", "podinfo", "podinfo-85d4c7f6b9", group="apps"))
    start_pod(log, at("09:31:05.350"), rs_ctl, scheduler, nodes["node-a"], "podinfo", "podinfo-85d4c7f6b9-l8s4w")
    t3 = at("09:31:31.506")
    log.call(t3, rs_ctl, "delete", ref("pods", "podinfo", "podinfo-6b7c9d5f8-2xkzl"))
    log.call(t3 + log.ms(100, 300), nodes["node-a"], "patch", ref("pods", "podinfo", "podinfo-6b7c9d5f8-2xkzl", sub="status"))
    log.call(t3 + 31 * SEC, nodes["node-a"], "delete", ref("pods", "podinfo", "podinfo-6b7c9d5f8-2xkzl"))
    log.call(t + 36 * SEC, helmctl, "update", ref("secrets", "podinfo", "sh.helm.release.v1.podinfo.v3",
                                                  uid=sid("secret", "podinfo", "v3"), rv=log.rv(t)))
    log.call(t + 36 * SEC + log.ms(20, 60), helmctl, "update", ref("secrets", "podinfo", "sh.helm.release.v1.podinfo.v4",
                                                                   uid=sid("secret", "podinfo", "v4"), rv=log.rv(t)))

    # -- Argo CD ------------------------------------------------------------
    informer(log, argo_ctl, ref("secrets", "argocd"), B_LO - log.jitter(560), B_HI,
             label="argocd.argoproj.io/secret-type=cluster")
    t = at("08:01:47.530")
    while t < B_HI:
        for app in ("guestbook", "platform-addons"):
            log.call(t + log.ms(0, 900), argo_ctl, "patch", ref("applications", "argocd", app, group="argoproj.io",
                                                                version="v1alpha1"))
        t += 3 * MIN + log.ms(-5000, 5000)
    for start in ("08:15:31.806", "09:05:12.447", "09:47:40.093"):
        t = at(start)
        log.call(t, argo_server, "get", ref("secrets", "argocd", "argocd-secret"))
        log.call(t + log.ms(200, 900), argo_server, "get", ref("secrets", "argocd", "repo-creds-github"))

    # -- trivy-operator: image pull secrets of what it scans ----------------
    scans = [("prod", "regcred"), ("myapp", "ghcr-pull"), ("podinfo", "ghcr-pull"), ("payments", "regcred")]
    for i, start in enumerate(("08:12:09.664", "08:47:51.205", "09:23:30.871", "09:58:14.392")):
        t = at(start)
        for j, (ns, name) in enumerate(scans[i % 2:] + scans[:i % 2]):
            log.call(t + j * log.ms(400, 2500), trivy, "get", ref("secrets", ns, name))
        log.call(t + 9 * SEC, trivy, "create", ref("vulnerabilityreports", scans[i % 4][0],
                                                   group="aquasecurity.github.io", version="v1alpha1"))

    # -- Secrets Store CSI provider: rotation poll every 5 minutes ---------
    t = at("08:02:05.776")
    while t < B_HI:
        log.call(t, csi, "get", ref("secrets", "prod", "secrets-store-creds"))
        t += 5 * MIN + log.ms(-400, 400)

    # -- API server loopback client: watches secrets (token lookups) --------
    informer(log, loopback, ref("secrets"), B_LO - log.jitter(560), B_HI)

    # -- kube-system controllers that touch secrets ------------------------
    # bootstrap tokens: the signer and the cleaner watch them, the cleaner
    # deletes an expired one at 09:00
    bootstrap = "type=bootstrap.kubernetes.io/token"
    informer(log, bootstrap_signer, ref("secrets", "kube-system"), at("08:00:01.420"), B_HI,
             selector=bootstrap, list_first=True)
    informer(log, token_cleaner, ref("secrets", "kube-system"), at("08:00:01.470"), B_HI,
             selector=bootstrap, list_first=True)
    t = at("09:00:02.118")
    log.call(t, token_cleaner, "get", ref("secrets", "kube-system", "bootstrap-token-5emitj"))
    log.call(t + log.ms(5, 20), token_cleaner, "delete", ref("secrets", "kube-system", "bootstrap-token-5emitj"))
    # resource quota: full recount of namespace prod (count/secrets) every 15 minutes
    t = at("08:03:11.902")
    while t < B_HI:
        log.call(t, quota if t < FAILOVER else quota.with_(ips=cp2), "list", ref("secrets", "prod"),
                 query=[("limit", "500")])
        t += 15 * MIN + log.ms(-500, 500)
    # legacy token cleaner: marks an unused legacy token secret invalid
    t = at("08:41:07.335")
    log.call(t, legacy_cleaner, "patch", ref("secrets", "ci", "ci-legacy-token"))
    # namespace controller: namespace ci-pr-1234 deleted at 08:44
    t = at("08:44:20.611")
    log.call(t, ns_ctl, "list", ref("secrets", "ci-pr-1234"), query=[("limit", "500")])
    log.call(t + log.ms(20, 60), ns_ctl, "deletecollection", ref("secrets", "ci-pr-1234"))
    # ... and ci-pr-1240 after the learning hour, by the new leader on cp-2
    t = at("09:46:51.270")
    log.call(t, ns_ctl.with_(ips=cp2), "list", ref("secrets", "ci-pr-1240"), query=[("limit", "500")])
    log.call(t + log.ms(20, 60), ns_ctl.with_(ips=cp2), "deletecollection", ref("secrets", "ci-pr-1240"))
    # kube-state-metrics: kube_secret_* metrics from a cluster-wide watch
    informer(log, ksm, ref("secrets"), B_LO - log.jitter(560), B_HI)
    # cert-manager cainjector: watches CA secrets cluster-wide
    informer(log, cainjector, ref("secrets"), B_LO - log.jitter(560), B_HI)
    # Azure Files CSI: the controller reads and creates storage-account key
    # secrets, the node plugin reads one when mounting
    t = at("08:18:44.207")
    log.call(t, azf_ctl, "get", ref("secrets", "prod", "azure-storage-account-stprodfiles-secret"))
    log.call(t + log.ms(200, 600), azf_ctl, "create", ref("secrets", "prod", "azure-storage-account-stprodfiles-secret"))
    log.call(t + 4 * SEC, azf_node, "get", ref("secrets", "prod", "azure-storage-account-stprodfiles-secret"))
    # GKE: GLBC reads Ingress TLS secrets; the addon manager prunes kube-system add-ons
    t = at("08:04:30.117")
    while t < B_HI:
        log.call(t, glbc, "get", ref("secrets", "prod", "app-tls"))
        log.call(t + log.ms(30, 90), glbc, "get", ref("secrets", "myapp", "myapp-tls"))
        t += 20 * MIN + log.ms(-900, 900)
    t = at("08:01:10.440")
    while t < B_HI:
        log.call(t, addon_mgr, "list", ref("secrets", "kube-system"),
                 query=[("labelSelector", "addonmanager.kubernetes.io/mode=Reconcile"), ("limit", "500")])
        t += 10 * MIN + log.ms(-500, 500)

    # -- control-plane kubelets: kube-proxy's projected token ----------------
    for cp, ip in CP_NODES.items():
        kubelet = node(cp, ip)
        t = B_LO + phase(f"kube-proxy {cp}", TOKEN_PERIOD)
        while t < B_HI:
            log.call(t, kubelet, "create", ref("serviceaccounts", "kube-system", "kube-proxy", sub="token"),
                     lat=log.ms(3, 9))
            t += TOKEN_PERIOD

    # -- Prometheus scrapes the kubelets through the API server's node proxy --
    prom = sa("monitoring", "prometheus", "10.244.3.50", "Prometheus/2.51.2",
              crb_reason("prometheus-k8s", "prometheus-k8s", sa_subject("monitoring", "prometheus")),
              pod="prometheus-k8s-0", node="node-c")
    for name in NODES:
        t = B_LO + phase(f"scrape {name}", 5 * MIN)
        while t < B_HI:
            for path in ("/metrics/cadvisor", "/metrics"):
                log.call(t, prom, "get", ref("nodes", name=name, sub="proxy"),
                         uri=f"/api/v1/nodes/{name}/proxy{path}", lat=log.ms(20, 90))
            t += 5 * MIN + log.ms(-300, 300)

    # -- Rancher: a UI user browses configmaps through Rancher's impersonating
    # account (one per user, allowed to impersonate only that user) ----------
    rancher = sa("cattle-impersonation-system", "cattle-impersonation-u-7x2kq", "10.244.2.40",
                 "rancher/v2.9.2 (linux/amd64) kubernetes/$Format",
                 crb_reason("cattle-impersonation-u-7x2kq", "cattle-impersonation-u-7x2kq",
                            sa_subject("cattle-impersonation-system", "cattle-impersonation-u-7x2kq")), legacy=True)
    rancher_user = {"username": "u-7x2kq", "groups": ["system:cattle:authenticated", "system:authenticated"]}
    for t_s, ns in (("08:25:40.118", "prod"), ("09:10:02.664", "myapp"), ("09:58:31.905", "prod")):
        log.call(at(t_s), rancher, "list", ref("configmaps", ns), query=[("limit", "500")], imp=rancher_user,
                 imp_reason=rb_reason("u-7x2kq-view", ns, "ClusterRole", "view", 'User "u-7x2kq"'))

    # -- people -------------------------------------------------------------
    def discovery(t, who):
        log.call(t, who, "get", uri="/api?timeout=32s", lat=log.ms(1, 3), reason=DISCOVERY_REASON)
        log.call(t + log.ms(10, 30), who, "get", uri="/apis?timeout=32s", lat=log.ms(2, 6), reason=DISCOVERY_REASON)

    def get_pods(t, who, ns):
        log.call(t, who, "list", ref("pods", ns), query=[("limit", "500")])

    def logs(t, who, ns, pod, container):
        log.call(t, who, "get", ref("pods", ns, pod, sub="log"),
                 query=[("container", container), ("tailLines", "100")], lat=log.ms(20, 120))

    def describe_deployment(t, who, ns, name):
        uid = sid("deploy", ns, name)
        log.call(t, who, "get", ref("deployments", ns, name, group="apps"))
        log.call(t + log.ms(20, 50), who, "list", ref("replicasets", ns, group="apps"),
                 query=[("labelSelector", f"app={name}"), ("limit", "500")])
        log.call(t + log.ms(60, 110), who, "list", ref("events", ns),
                 query=[("fieldSelector", f"involvedObject.name={name},involvedObject.namespace={ns},"
                                          f"involvedObject.kind=Deployment,involvedObject.uid={uid}"),
                        ("limit", "500")])

    discovery(at("08:14:02.331"), priya)
    get_pods(at("08:14:02.590"), priya, "prod")
    logs(at("08:15:20.044"), priya, "prod", "web-7d9f8b6c5-k2m4p", "web")
    describe_deployment(at("08:33:47.902"), priya, "prod", "web")
    get_pods(at("09:12:40.118"), priya, "prod")
    logs(at("09:13:05.760"), priya, "prod", "payments-api-6f7c9d-x7q2w", "payments-api")

    discovery(at("08:52:19.507"), marco)
    get_pods(at("08:52:19.812"), marco, "myapp")
    logs(at("08:53:02.475"), marco, "myapp", "myapp-5c8d7f9b4-qh7zt", "myapp")
    get_pods(at("09:26:44.201"), marco, "myapp")
    describe_deployment(at("09:55:13.339"), marco, "myapp", "myapp")

    # alice checks myapp in the first hour and again later. (Her `helm get
    # values` is not here: the Helm client reading release secrets is
    # reported on purpose, at low severity, by helm-release-read; see
    # rules/helm-release-read.positive.jsonl.)
    for start in ("08:20:31.618", "09:50:08.244"):
        get_pods(at(start) + 40 * SEC, alice_kubectl, "myapp")
    discovery(at("08:21:11.030"), alice_kubectl)

    # -- load balancer health checks ---------------------------------------
    for i, lb in enumerate(lbs):
        t = B_LO + i * 60 * SEC + log.ms(0, 900)
        while t < B_HI:
            log.call(t, lb, "get", uri="/healthz", lat=log.ms(0.3, 1.5))
            t += 120 * SEC + log.ms(-200, 200)

    # -- events ---------------------------------------------------------------
    for t_s, ns, obj in (("08:06:12.120", "prod", "web"), ("09:31:00.004", "podinfo", "podinfo")):
        t = at(t_s)
        log.call(t, deploy_ctl, "create", ref("events", ns, f"{obj}.{phase(t_s, 16**16):016x}",
                                              group="events.k8s.io"))
    return log


# ClusterRole aggregation (kube-controller-manager applies the rules with
# server-side apply, field manager clusterrole-aggregation-controller).
VIEW_RULES = [
    rule(["get", "list", "watch"], [""], ["configmaps", "endpoints", "persistentvolumeclaims",
                                           "persistentvolumeclaims/status", "pods", "replicationcontrollers",
                                           "replicationcontrollers/scale", "serviceaccounts", "services",
                                           "services/status"]),
    rule(["get", "list", "watch"], [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log",
                                           "pods/status", "replicationcontrollers/status", "resourcequotas",
                                           "resourcequotas/status"]),
    rule(["get", "list", "watch"], [""], ["namespaces"]),
    rule(["get", "list", "watch"], ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status",
                                               "deployments", "deployments/scale", "deployments/status",
                                               "replicasets", "replicasets/scale", "replicasets/status",
                                               "statefulsets", "statefulsets/scale", "statefulsets/status"]),
    rule(["get", "list", "watch"], ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
    rule(["get", "list", "watch"], ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
]
EDIT_BASE = [
    rule(["create", "delete", "deletecollection", "patch", "update"], [""],
         ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(["create", "delete", "deletecollection", "patch", "update"], [""],
         ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
          "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
    rule(["create"], [""], ["serviceaccounts/token"]),
    rule(["create", "delete", "deletecollection", "patch", "update"], ["apps"],
         ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
          "replicasets/scale", "statefulsets", "statefulsets/scale"]),
    rule(["create", "delete", "deletecollection", "patch", "update"], ["batch"], ["cronjobs", "jobs"]),
    rule(["create", "delete", "deletecollection", "patch", "update"], ["networking.k8s.io"],
         ["ingresses", "networkpolicies"]),
    rule(["get", "list", "watch"], [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets",
                                           "services/proxy"]),
    rule(["impersonate"], [""], ["serviceaccounts"]),
] + VIEW_RULES
ADMIN_BASE = [
    rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    rule(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], [RBAC],
         ["rolebindings", "roles"]),
] + EDIT_BASE
ESO_AGGREGATE = [
    rule(["get", "list", "watch"], ["external-secrets.io"],
         ["externalsecrets", "secretstores", "clustersecretstores", "pushsecrets"]),
    rule(["create", "delete", "deletecollection", "patch", "update"], ["external-secrets.io"],
         ["externalsecrets", "secretstores", "pushsecrets"]),
]
ADMIN_EXTRA = ESO_AGGREGATE
EDIT_EXTRA = ESO_AGGREGATE


def aggregate(log, t, who, role, extra):
    rules = (ADMIN_BASE if role == "admin" else EDIT_BASE) + extra
    created = at("09:12:44", day="2026-03-14")
    req = {"kind": "ClusterRole", "apiVersion": RBAC_V1, "metadata": {"name": role}, "rules": rules}
    selector = {"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{role}": "true"}}
    resp = {
        "kind": "ClusterRole", "apiVersion": RBAC_V1,
        "metadata": rbac_meta(
            role, t, log.rv(t),
            [managed("clusterrole-aggregation-controller", t, {"f:rules": {}}, operation="Apply"),
             managed("kube-apiserver", created, {
                 "f:aggregationRule": {".": {}, "f:clusterRoleSelectors": {}},
                 "f:metadata": {"f:annotations": {".": {}, "f:rbac.authorization.kubernetes.io/autoupdate": {}},
                                "f:labels": {".": {}, "f:kubernetes.io/bootstrapping": {}}}})],
            labels={"kubernetes.io/bootstrapping": "rbac-defaults"},
            annotations={"rbac.authorization.kubernetes.io/autoupdate": "true"}, created=created),
        "rules": rules,
        "aggregationRule": {"clusterRoleSelectors": [selector]},
    }
    log.call(t, who, "patch", ref("clusterroles", name=role, group=RBAC),
             query=[("fieldManager", "clusterrole-aggregation-controller"), ("force", "true")],
             req_obj=req, resp_obj=resp)


def start_pod(log, t, rs_ctl, scheduler, kubelet, ns, pod):
    """ReplicaSet controller creates the pod (generateName: no objectRef
    name), the scheduler binds it, the kubelet reports status and events.
    Secrets, pull secrets and the token are handled with PODS."""
    log.call(t, rs_ctl, "create", ref("pods", ns, pod), name_in_rc=False, lat=log.ms(8, 20))
    log.call(t + log.ms(30, 80), scheduler, "create", ref("pods", ns, pod, sub="binding"), lat=log.ms(3, 9))
    for i, step in enumerate(("Scheduled", "Pulling", "Pulled", "Created", "Started")):
        if step == "Scheduled":
            continue
        log.call(t + (i + 1) * log.ms(500, 2500), kubelet, "create",
                 ref("events", ns, f"{pod}.{phase(pod + step, 16**16):016x}"))
    for i in range(3):
        log.call(t + (i + 1) * log.ms(900, 4000), kubelet, "patch", ref("pods", ns, pod, sub="status"))


# --------------------------------------------------------------------------
# 3. per-rule positive / near-miss samples

R0 = at("10:00:00")

MALLORY_REASON = crb_reason("contractors-edit", "edit", 'Group "contractors"')


def rules_actors():
    a = {}
    a["mallory"] = human("mallory", ["contractors"], "203.0.113.9", KUBECTL, MALLORY_REASON)

    def dev(name, ip):
        return human(name, ["developers"], ip, KUBECTL, crb_reason("developers-edit", "edit", 'Group "developers"'))

    a["bob"] = dev("bob", "10.20.1.50")
    a["carol"] = dev("carol", "10.20.1.61")
    a["dave"] = dev("dave", "10.20.1.72").with_(ua=HELM)
    a["erin"] = dev("erin", "127.0.0.1")
    a["frank"] = human("frank", ["developers"], "10.20.1.83", KUBECTL,
                       crb_reason("frank-admin", "cluster-admin", 'User "frank"'))
    a["certm"] = sa("cert-manager", "cert-manager", "10.244.2.17",
                    "cert-manager/v1.14.4 (linux/amd64) cert-manager/2a0ef53b06e183356d922cd58af2510d8885bef5",
                    crb_reason("cert-manager-controller-certificates", "cert-manager-controller-certificates",
                               sa_subject("cert-manager", "cert-manager")),
                    pod="cert-manager-7c9f6d8b5-lm2vn", node="node-b")
    a["node-a"] = node("node-a", "10.0.1.11")
    return a


def rules_samples():
    """(rule id, positive Log, near-miss Log) for every rule."""
    out = []

    def pair(rule_id):
        return Log(f"{rule_id}.positive", R0), Log(f"{rule_id}.near-miss", R0)

    def A():
        return rules_actors()

    # secret-read --------------------------------------------------------
    pos, near = pair("secret-read")
    a = A()
    pos.call(R0 + 12 * SEC + 118_000, a["mallory"], "get", ref("secrets", "prod", "stripe-api-key"))
    near.call(R0 + 12 * SEC + 118_000, a["certm"], "get", ref("secrets", "prod", "stripe-api-key"))
    out.append(("secret-read", pos, near))

    # secret-list-cluster-wide ---------------------------------------------
    pos, near = pair("secret-list-cluster-wide")
    a = A()
    pos.call(R0 + 30 * SEC + 402_000, a["mallory"], "list", ref("secrets"), query=[("limit", "500")])
    near.call(R0 + 30 * SEC + 402_000, a["mallory"], "list", ref("secrets", "prod"), query=[("limit", "500")])
    out.append(("secret-list-cluster-wide", pos, near))

    # secret-rapid-get -------------------------------------------------------
    pos, near = pair("secret-rapid-get")
    a = A()
    pos.call(at("10:00:00.204"), a["mallory"], "get", ref("secrets", "prod", "db-credentials"))
    pos.call(at("10:01:47.615"), a["mallory"], "get", ref("secrets", "prod", "stripe-api-key"))
    pos.call(at("10:03:52.930"), a["mallory"], "get", ref("secrets", "kube-system", "cloud-provider-credentials"),
             code=403)
    for t, who, ns, name in (
            ("10:00:10.331", "bob", "dev", "db-credentials"),
            ("10:02:40.870", "bob", "dev", "redis-password"),
            ("10:05:30.112", "bob", "dev", "db-credentials"),
            ("10:10:00.408", "carol", "staging", "api-key"),
            ("10:13:30.552", "carol", "staging", "db-credentials"),
            ("10:17:00.719", "carol", "staging", "smtp-password"),
            ("10:20:00.093", "dave", "myapp", "sh.helm.release.v1.myapp.v5"),
            ("10:20:40.287", "dave", "myapp", "sh.helm.release.v1.myapp.v6"),
            ("10:21:30.644", "dave", "myapp", "sh.helm.release.v1.myapp.v7"),
            ("10:30:00.512", "erin", "ops", "pagerduty-token"),
            ("10:30:45.037", "erin", "ops", "slack-webhook"),
            ("10:31:30.880", "erin", "ops", "grafana-admin")):
        near.call(at(t), a[who], "get", ref("secrets", ns, name))
    out.append(("secret-rapid-get", pos, near))

    # secret-read-suspicious-agent ----------------------------------------------
    pos, near = pair("secret-read-suspicious-agent")
    m = A()["mallory"]
    pos.call(at("10:00:03.447"), m.with_(ua=CURL), "get", ref("secrets", "prod", "db-credentials"))
    pos.call(at("10:02:11.905"), m.with_(ua="python-requests/2.31.0"), "get", ref("secrets", "prod", "stripe-api-key"))
    near.call(at("10:00:03.447"), m.with_(ua=CURL), "watch", ref("secrets", "prod"),
              uri="/api/v1/namespaces/prod/secrets?watch=true", watch=94)
    near.call(at("10:02:11.905"), m.with_(ua="Curl/8.5.0"), "get", ref("secrets", "prod", "stripe-api-key"))
    near.call(at("10:03:40.268"), m, "get", ref("secrets", "prod", "db-credentials"))
    out.append(("secret-read-suspicious-agent", pos, near))

    # secret-read-new-client ------------------------------------------------------
    pos, near = pair("secret-read-new-client")
    reporter = human("svc-reporter", ["reporting"], "10.20.0.5", KUBECTL,
                     rb_reason("reporting-secrets", "reporting", "Role", "secret-reader", 'User "svc-reporter"'))
    operator = sa("reporting", "report-operator", "10.244.2.15", "manager/v0.0.0 (linux/amd64) kubernetes/$Format",
                  rb_reason("report-operator", "reporting", "Role", "report-operator",
                            sa_subject("reporting", "report-operator")),
                  pod="report-operator-64b8f9c7d5-wq2hn", node="node-b")
    for log in (pos, near):
        for t in ("10:00:00.118", "10:15:02.406", "10:30:01.771", "10:45:03.059"):
            log.call(at(t), reporter, "get", ref("secrets", "reporting", "report-db-credentials"))
            log.call(at(t) + log.ms(200, 500), reporter, "list", ref("secrets", "reporting"), query=[("limit", "500")])
    pos.call(at("11:30:04.382"), reporter.with_(ips="198.51.100.99"), "get",
             ref("secrets", "reporting", "report-db-credentials"))
    near.call(at("10:10:12.640"), reporter.with_(ips="10.20.0.6"), "get",
              ref("secrets", "reporting", "report-db-credentials"))
    for t in ("10:05:11.902", "10:35:12.207"):
        near.call(at(t), operator, "get", ref("secrets", "reporting", "report-smtp"))
    near.call(at("11:30:04.382"), reporter, "get", ref("secrets", "reporting", "report-db-credentials"))
    near.call(at("11:40:09.515"), operator.with_(ips="10.244.2.77", pod=("reporting", "report-operator-64b8f9c7d5-7kz4c")),
              "get", ref("secrets", "reporting", "report-smtp"))
    out.append(("secret-read-new-client", pos, near))

    # secret-read-workload-identity ------------------------------------------------
    pos, near = pair("secret-read-workload-identity")
    a = A()
    webapp = sa("default", "webapp", "10.244.2.41", KUBECTL,
                rb_reason("webapp", "default", "Role", "webapp", sa_subject("default", "webapp")),
                pod="webapp-6d8f7c9b5-tx4pl", node="node-b")
    pos.call(at("10:00:00.611"), webapp, "get", ref("secrets", "default", "db-password"))
    pos.call(at("10:00:20.904"), webapp, "list", ref("secrets", "kube-system"), query=[("limit", "500")], code=403)
    near.call(at("10:00:00.611"), a["certm"], "get", ref("secrets", "prod", "app-tls"))
    near.call(at("10:00:20.904"), a["node-a"], "list", ref("secrets", "prod"),
              query=list_query(selector=name_selector("app-tls")))
    t = at("10:00:20.980")
    near.call(t, a["node-a"], "watch", ref("secrets", "prod"),
              query=watch_query(near, t, 423, selector=name_selector("app-tls")), watch=423)
    out.append(("secret-read-workload-identity", pos, near))

    # sa-token-context-mismatch ---------------------------------------------------
    pos, near = pair("sa-token-context-mismatch")
    eso = sa("external-secrets", "external-secrets", "10.244.1.23", "external-secrets/v0.9.11 (linux/amd64)",
             crb_reason("external-secrets-controller", "external-secrets-controller",
                        sa_subject("external-secrets", "external-secrets")),
             pod="external-secrets-6b8d9c7f4-p9r3t", node="node-a")
    for log in (pos, near):
        for t in ("10:00:00.305", "10:20:01.118", "10:40:00.842"):
            log.call(at(t), eso, "get", ref("secrets", "prod", "db-credentials"))
            log.call(at(t) + log.ms(100, 300), eso, "get", ref("secrets", "prod", "stripe-api-key"))
    stolen = sa("external-secrets", "external-secrets", "203.0.113.50", CURL, eso.reason, legacy=True)
    pos.call(at("11:20:14.227"), stolen, "get", ref("secrets", "prod", "db-credentials"))
    pos.call(at("11:20:31.690"), stolen, "list", ref("secrets", "prod"))
    restarted = eso.with_(ips="10.244.1.87", pod=("external-secrets", "external-secrets-6b8d9c7f4-w5j7c"))
    near.call(at("11:20:14.227"), restarted, "get", ref("secrets", "prod", "db-credentials"))
    near.call(at("11:20:14.227") + 180_000, restarted, "get", ref("secrets", "prod", "stripe-api-key"))
    out.append(("sa-token-context-mismatch", pos, near))

    # secret-access-impersonated --------------------------------------------------
    pos, near = pair("secret-access-impersonated")
    arc = sa("azure-arc", "azure-arc-kube-aad-proxy-sa", "10.244.0.12", f"kubectl/{K8S} (windows/amd64) kubernetes/{GIT}",
             crb_reason("azure-arc-kube-aad-proxy", "azure-arc-kube-aad-proxy",
                        sa_subject("azure-arc", "azure-arc-kube-aad-proxy-sa")),
             pod="kube-aad-proxy-7f9c8d6b5-q4r2t", node="aks-nodepool1-31718369-vmss000000")
    aad = {"username": "aad:4f1c9e2b-7d3a-4c61-b8e5-0a9d2f6c1e37@contoso.com", "groups": ["aad-admins"]}
    aad_reason = crb_reason("aad-admins-cluster-admin", "cluster-admin", 'Group "aad-admins"')
    pos.call(at("10:00:00.733"), arc, "get", ref("configmaps", "prod", "app-config"), imp=aad, imp_reason=aad_reason)
    pos.call(at("10:00:30.216"), arc, "list", ref("secrets", "prod"), query=[("limit", "500")], imp=aad,
             imp_reason=aad_reason)
    admin = human("admin", ["system:masters"], "10.20.0.10", KUBECTL, "")
    payments = {"username": "system:serviceaccount:prod:payments",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:prod", "system:authenticated"]}
    pos.call(at("10:05:00.418"), admin, "get", ref("secrets", "prod", "stripe-api-key"), imp=payments,
             imp_reason=rb_reason("payments-secrets", "prod", "Role", "payments-secrets", sa_subject("prod", "payments")))
    jane = {"username": "jane@example.com", "groups": ["developers", "system:authenticated"]}
    near.call(at("10:05:00.418"), admin, "list", ref("pods", "prod"), query=[("limit", "500")], imp=jane,
              imp_reason=rb_reason("developers-view", "prod", "ClusterRole", "view", 'Group "developers"'))
    out.append(("secret-access-impersonated", pos, near))

    # secret-access-denied ----------------------------------------------------------
    pos, near = pair("secret-access-denied")
    a = A()
    for t, ns, name in (("10:00:00.140", "prod", "db-credentials"), ("10:01:30.522", "prod", "stripe-api-key"),
                        ("10:03:10.007", "prod", "db-credentials"), ("10:06:00.861", "kube-system", "cloud-provider-credentials"),
                        ("10:08:45.309", "prod", "aws-credentials")):
        pos.call(at(t), a["mallory"], "get", ref("secrets", ns, name), code=403)
    for t, ns, name, code in (("10:00:05.212", "prod", "db-credentials", 403), ("10:01:12.640", "dev", "db-credentials", 404),
                              ("10:02:44.118", "prod", "stripe-api-key", 403), ("10:04:02.507", "dev", "db-creds", 404),
                              ("10:05:39.990", "prod", "aws-credentials", 403), ("10:07:15.363", "dev", "db-password", 404),
                              ("10:08:58.771", "prod", "db-credentials", 403)):
        near.call(at(t), a["bob"], "get", ref("secrets", ns, name), code=code)
    for t, name in (("10:20:00.450", "api-key"), ("10:30:30.118", "db-credentials"), ("10:40:45.806", "smtp-password"),
                    ("10:50:50.274", "api-key"), ("11:00:00.931", "db-credentials")):
        near.call(at(t), a["carol"], "get", ref("secrets", "prod", name), code=403)
    out.append(("secret-access-denied", pos, near))

    # secret-read-untrusted-source ---------------------------------------------------
    pos, near = pair("secret-read-untrusted-source")
    m = A()["mallory"]
    pos.call(at("10:00:02.365"), m, "get", ref("secrets", "prod", "db-credentials"))
    near.call(at("10:00:02.365"), m.with_(ips="10.20.0.5"), "get", ref("secrets", "prod", "db-credentials"))
    near.call(at("10:01:15.804"), m.with_(ips=["203.0.113.9", "10.20.0.5"]), "get",
              ref("secrets", "prod", "db-credentials"))
    out.append(("secret-read-untrusted-source", pos, near))

    # secret-write ---------------------------------------------------------------------
    pos, near = pair("secret-write")
    a = A()
    pos.call(at("10:00:04.118"), a["mallory"], "delete", ref("secrets", "prod", "db-credentials"))
    pos.call(at("10:01:22.760"), a["mallory"], "patch", ref("secrets", "prod", "api-key"),
             query=[("fieldManager", "kubectl-patch")])
    near.call(at("10:00:04.118"), a["certm"], "update",
              ref("secrets", "prod", "app-tls", uid=sid("secret", "prod", "app-tls"), rv=near.rv(R0)),
              query=[("fieldManager", "cert-manager-certificates-issuing")])
    near.call(at("10:01:22.760"), a["mallory"], "get", ref("secrets", "prod", "db-credentials"))
    out.append(("secret-write", pos, near))

    # pod-exec ------------------------------------------------------------------------
    pos, near = pair("pod-exec")
    m = A()["mallory"]
    env = commands("sh", "-c", "env")
    pos.call(at("10:00:06.402"), m.with_(ua=KUBECTL_OLD), "create", ref("pods", "prod", "web-7d9f8b6c5-k2m4p", sub="exec"),
             uri=exec_uri("prod", "web-7d9f8b6c5-k2m4p", "web", env), stream=True, lat=pos.ms(40, 90))
    pos.call(at("10:04:51.077"), m, "get", ref("pods", "prod", "web-7d9f8b6c5-k2m4p", sub="exec"),
             uri=exec_uri("prod", "web-7d9f8b6c5-k2m4p", "web", env), stream=True, lat=pos.ms(40, 90))
    near.call(at("10:00:06.402"), m, "get", ref("pods", "prod", "web-7d9f8b6c5-k2m4p", sub="log"),
              query=[("container", "web"), ("tailLines", "100")], lat=near.ms(20, 120))
    near.call(at("10:04:51.077"), m, "get", ref("pods", "prod", "web-7d9f8b6c5-k2m4p"))
    out.append(("pod-exec", pos, near))

    # rbac-binding-created ----------------------------------------------------------
    pos, near = pair("rbac-binding-created")
    a = A()
    rbac_manager = crb_reason("mallory-rbac-manager", "rbac-manager", 'User "mallory"')
    ci = human("ci-deployer", ["developers"], "198.51.100.23", KUBECTL,
               crb_reason("ci-deployer-admin", "cluster-admin", 'User "ci-deployer"'))
    create_binding(pos, at("10:00:01.504"), a["mallory"], "debug-binding", [subject_user("mallory")],
                   role_ref("ClusterRole", "cluster-admin"), reason=rbac_manager)
    create_binding(pos, at("10:05:12.330"), ci, "oops", [subject_group("system:authenticated")],
                   role_ref("ClusterRole", "view"))
    create_binding(near, at("10:00:01.504"), a["mallory"], "view-bob", [subject_user("bob")],
                   role_ref("ClusterRole", "view"), ns="dev", reason=rbac_manager)
    out.append(("rbac-binding-created", pos, near))

    # rbac-role-widened ---------------------------------------------------------------
    pos, near = pair("rbac-role-widened")
    a = A()
    create_role(pos, at("10:00:02.811"), a["mallory"], "secret-reader",
                [rule(["get", "list"], [""], ["secrets"])], reason=rbac_manager)
    role_patch(pos, at("10:03:17.046"), a["mallory"], rbac_manager)
    create_role(near, at("10:00:02.811"), a["mallory"], "cm-reader",
                [rule(["get", "list"], [""], ["configmaps"])], ns="dev", reason=rbac_manager)
    out.append(("rbac-role-widened", pos, near))

    # sa-token-minted -----------------------------------------------------------------
    pos, near = pair("sa-token-minted")
    a = A()
    pos.call(at("10:00:08.217"), a["mallory"], "create", ref("serviceaccounts", "prod", "payments", sub="token"))
    near.call(at("10:00:08.217"), a["node-a"], "create", ref("serviceaccounts", "prod", "payments", sub="token"))
    out.append(("sa-token-minted", pos, near))

    # anonymous-secret-access ------------------------------------------------------------
    pos, near = pair("anonymous-secret-access")
    anon = Actor("system:anonymous", ["system:unauthenticated"], "198.51.100.44", CURL,
                 crb_reason("registry-creds-public", "registry-creds-reader", 'User "system:anonymous"'))
    pos.call(at("10:00:00.925"), anon, "get", ref("secrets", "default", "registry-creds"))
    pos.call(at("10:01:04.388"), anon, "get", ref("secrets", "kube-system", "cloud-provider-credentials"), code=403)
    public = crb_reason("system:public-info-viewer", "system:public-info-viewer", 'Group "system:unauthenticated"')
    near.call(at("10:00:00.925"), anon, "get", uri="/healthz", reason=public, lat=near.ms(0.3, 1.5))
    near.call(at("10:01:04.388"), anon, "get", uri="/version", reason=public, lat=near.ms(0.3, 1.5))
    out.append(("anonymous-secret-access", pos, near))

    # escalate-then-loot -------------------------------------------------------------------
    pos, near = pair("escalate-then-loot")
    a = A()
    create_binding(pos, at("10:00:00.612"), a["mallory"], "payments-sa-admin", [subject_sa("prod", "payments")],
                   role_ref("ClusterRole", "cluster-admin"), reason=rbac_manager)
    payments_sa = sa("prod", "payments", "10.244.2.31", KUBECTL,
                     crb_reason("payments-sa-admin", "cluster-admin", sa_subject("prod", "payments")),
                     pod="payments-api-6f7c9d-x7q2w", node="node-b")
    pos.call(at("10:06:10.447"), payments_sa, "list", ref("secrets", "kube-system"), query=[("limit", "500")])
    pos.call(at("10:06:41.902"), payments_sa, "get", ref("secrets", "kube-system", "cloud-provider-credentials"))
    create_binding(pos, at("10:10:02.118"), a["mallory"], "ops-breakglass-admin", [subject_group("ops-breakglass")],
                   role_ref("ClusterRole", "cluster-admin"), reason=rbac_manager)
    eve = human("eve", ["ops-breakglass"], "198.51.100.61", KUBECTL_OLD,
                crb_reason("ops-breakglass-admin", "cluster-admin", 'Group "ops-breakglass"'))
    pos.call(at("10:24:30.550"), eve, "create", ref("pods", "prod", "payments-api-6f7c9d-x7q2w", sub="exec"),
             uri=exec_uri("prod", "payments-api-6f7c9d-x7q2w", "payments-api",
                          commands("sh", "-c", "cat /var/run/secrets/kubernetes.io/serviceaccount/token")),
             stream=True, lat=pos.ms(40, 90))
    create_binding(near, at("10:00:00.612"), a["mallory"], "frank-admin", [subject_user("frank")],
                   role_ref("ClusterRole", "cluster-admin"), reason=rbac_manager)
    near.call(at("10:31:05.233"), a["frank"], "get", ref("secrets", "prod", "db-credentials"))
    near.call(at("10:32:00.874"), a["frank"], "list", ref("secrets", "prod"), query=[("limit", "500")])
    out.append(("escalate-then-loot", pos, near))
    # helm-release-read -------------------------------------------------------
    pos, near = pair("helm-release-read")
    a = A()
    alice = human("alice@example.com", ["platform"], "10.20.3.41", HELM,
                  crb_reason("platform-admins", "cluster-admin", 'Group "platform"'))
    # `helm list -n myapp`, `helm history myapp`, `helm get values myapp --revision 7`
    pos.call(at("10:00:04.511"), alice, "list", ref("secrets", "myapp"),
             query=[("labelSelector", "owner=helm")])
    pos.call(at("10:00:31.027"), alice, "list", ref("secrets", "myapp"),
             query=[("labelSelector", "name=myapp,owner=helm")])
    pos.call(at("10:01:02.618"), alice, "get", ref("secrets", "myapp", "sh.helm.release.v1.myapp.v7"))
    # the same secret read with kubectl, a Helm user agent without Helm's
    # selector, and a selector that excludes Helm's secrets: not Helm state
    kubectl_alice = alice.with_(ua=KUBECTL_MAC)
    near.call(at("10:00:04.511"), kubectl_alice, "get", ref("secrets", "myapp", "sh.helm.release.v1.myapp.v7"))
    near.call(at("10:00:31.027"), alice, "list", ref("secrets", "myapp"), query=[("limit", "500")])
    near.call(at("10:01:02.618"), alice, "list", ref("secrets", "myapp"),
              query=[("labelSelector", "owner!=helm")])
    near.call(at("10:01:40.905"), alice, "list", ref("secrets", "myapp"),
              query=[("labelSelector", "owner=helm"), ("labelSelector", "")])
    out.append(("helm-release-read", pos, near))

    # nodes-proxy-exec ----------------------------------------------------------
    pos, near = pair("nodes-proxy-exec")
    a = A()
    kubelet_ref = ref("nodes", name="node-b", sub="proxy")
    base = "/api/v1/nodes/node-b/proxy"
    pod = "prod/payments-api-6f7c9d-x7q2w/payments-api"
    pos.call(at("10:00:03.118"), a["mallory"], "get", kubelet_ref, uri=f"{base}/pods")
    pos.call(at("10:00:41.502"), a["mallory"], "create", kubelet_ref,
             uri=f"{base}/run/{pod}?cmd=env", code=200)
    pos.call(at("10:01:12.930"), a["mallory"], "create", kubelet_ref,
             uri=f"{base}/exec/{pod}?command=cat&command=%2Fetc%2Fsecrets%2Fdb%2Fpassword&output=1", code=200)
    prom = sa("monitoring", "prometheus", "10.244.3.50",
              "Prometheus/2.51.2",
              crb_reason("prometheus", "prometheus", sa_subject("monitoring", "prometheus")),
              pod="prometheus-k8s-0", node="node-c")
    for i, path in enumerate(("/metrics/cadvisor", "/metrics", "/metrics/resource", "/stats/summary",
                              "/healthz", "/spec/")):
        near.call(at("10:00:15.000") + i * 15 * SEC + near.ms(1, 900), prom, "get", kubelet_ref,
                  uri=f"{base}{path}")
    out.append(("nodes-proxy-exec", pos, near))

    # pod-ephemeral-container ------------------------------------------------------
    pos, near = pair("pod-ephemeral-container")
    a = A()
    debug = {"spec": {"ephemeralContainers": [{"name": "debugger-7xk2p", "image": "busybox:1.36",
                                                "targetContainerName": "payments-api", "stdin": True, "tty": True,
                                                "terminationMessagePolicy": "File"}]}}
    pos.call(at("10:00:06.377"), a["mallory"], "patch",
             ref("pods", "prod", "payments-api-6f7c9d-x7q2w", sub="ephemeralcontainers"),
             level="Request", req_obj=debug)
    near.call(at("10:00:06.377"), a["mallory"], "get",
              ref("pods", "prod", "payments-api-6f7c9d-x7q2w", sub="ephemeralcontainers"))
    near.call(at("10:00:09.118"), a["node-a"], "patch", ref("pods", "prod", "payments-api-6f7c9d-x7q2w",
                                                             sub="status"))
    out.append(("pod-ephemeral-container", pos, near))

    # pod-mounts-secret-then-read --------------------------------------------------
    pos, near = pair("pod-mounts-secret-then-read")
    a = A()
    dump = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "dump", "namespace": "prod"},
            "spec": {"containers": [{"name": "dump", "image": "busybox:1.36",
                                     "command": ["sh", "-c", "cat /s/*; env"],
                                     "envFrom": [{"secretRef": {"name": "stripe-api-key"}}],
                                     "volumeMounts": [{"name": "s", "mountPath": "/s"}]}],
                     "volumes": [{"name": "s", "secret": {"secretName": "db-credentials"}}],
                     "restartPolicy": "Never"}}
    pos.call(at("10:00:02.441"), a["mallory"], "create", ref("pods", "prod", "dump"), level="Request",
             req_obj=dump)
    pos.call(at("10:00:19.806"), a["mallory"], "get", ref("pods", "prod", "dump", sub="log"))
    job = {"kind": "Job", "apiVersion": "batch/v1", "metadata": {"name": "backup-check", "namespace": "prod"},
           "spec": {"template": {"spec": {"containers": [{
               "name": "c", "image": "alpine:3.20", "command": ["printenv", "AWS_SECRET_ACCESS_KEY"],
               "env": [{"name": "AWS_SECRET_ACCESS_KEY",
                        "valueFrom": {"secretKeyRef": {"name": "aws-credentials", "key": "secret"}}}]}],
               "restartPolicy": "Never"}}}}
    pos.call(at("10:03:10.115"), a["mallory"], "create", ref("jobs", "prod", "backup-check", group="batch"),
             level="Request", req_obj=job)
    pos.call(at("10:03:41.672"), a["mallory"], "get", ref("pods", "prod", "backup-check-x7q2w", sub="log"))
    web = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-debug", "namespace": "dev"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                    "env": [{"name": "DB_PASSWORD", "valueFrom": {
                                        "secretKeyRef": {"name": "db-credentials", "key": "password"}}}]}]}}
    plain = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "hello", "namespace": "dev"},
             "spec": {"containers": [{"name": "hello", "image": "busybox:1.36", "command": ["echo", "hi"]}]}}
    # bob creates a pod that uses a secret, carol reads its logs; bob reads
    # the logs of a pod that mounts nothing
    near.call(at("10:00:02.441"), a["bob"], "create", ref("pods", "dev", "web-debug"), level="Request",
              req_obj=web)
    near.call(at("10:00:30.990"), a["carol"], "get", ref("pods", "dev", "web-debug", sub="log"))
    near.call(at("10:01:05.207"), a["bob"], "create", ref("pods", "dev", "hello"), level="Request",
              req_obj=plain)
    near.call(at("10:01:20.553"), a["bob"], "get", ref("pods", "dev", "hello", sub="log"))
    out.append(("pod-mounts-secret-then-read", pos, near))

    # csr-privileged-group -------------------------------------------------------
    pos, near = pair("csr-privileged-group")
    a = A()
    admin_csr = csr_object("mallory-admin", csr_request("mallory-admin", ["system:masters"]))
    pos.call(at("10:00:01.204"), a["mallory"], "create", ref("certificatesigningrequests", name="mallory-admin",
                                                              group="certificates.k8s.io"),
             level="Request", req_obj=admin_csr)
    approved = dict(admin_csr, status={"conditions": [{"type": "Approved", "status": "True",
                                                        "reason": "KubectlApprove",
                                                        "message": "This CSR was approved by kubectl certificate approve.",
                                                        "lastUpdateTime": ts_s(at("10:02:30"))}]})
    pos.call(at("10:02:30.518"), a["frank"], "update",
             ref("certificatesigningrequests", name="mallory-admin", group="certificates.k8s.io", sub="approval"),
             level="Request", req_obj=approved)
    cert = human("mallory-admin", ["system:masters"], "203.0.113.9", KUBECTL, "")
    pos.call(at("10:04:12.077"), cert, "list", ref("secrets"), query=[("limit", "500")])
    node_csr = csr_object("csr-8vn2q", csr_request("system:node:node-a", ["system:nodes"]),
                          signer="kubernetes.io/kube-apiserver-client-kubelet")
    near.call(at("10:00:01.204"), a["node-a"], "create", ref("certificatesigningrequests", name="csr-8vn2q",
                                                              group="certificates.k8s.io"),
              level="Request", req_obj=node_csr)
    csr_approver = sa("kube-system", "certificate-controller", "10.0.0.10", KCM,
                      crb_reason("system:controller:certificate-controller", "system:controller:certificate-controller",
                                 sa_subject("kube-system", "certificate-controller")), jti_only=True)
    near_approved = dict(node_csr, status={"conditions": [{"type": "Approved", "status": "True",
                                                           "reason": "AutoApproved",
                                                           "message": "Auto approving self kubelet client certificate after SubjectAccessReview.",
                                                           "lastUpdateTime": ts_s(at("10:00:02"))}]})
    near.call(at("10:00:02.006"), csr_approver, "update",
              ref("certificatesigningrequests", name="csr-8vn2q", group="certificates.k8s.io", sub="approval"),
              level="Request", req_obj=near_approved)
    out.append(("csr-privileged-group", pos, near))

    # minted-token-used --------------------------------------------------------------
    pos, near = pair("minted-token-used")
    a = A()
    payments_reason = rb_reason("payments-secrets", "prod", "Role", "payments-secrets", sa_subject("prod", "payments"))
    payments = sa("prod", "payments", "10.244.2.31", "payments-api/1.4.2", payments_reason,
                  pod="payments-api-6f7c9d-x7q2w", node="node-b")
    reporter = sa("prod", "reporter", "10.244.1.40", "reporter/0.9.0",
                  rb_reason("reporter-secrets", "prod", "Role", "reporter-secrets", sa_subject("prod", "reporter")),
                  pod="reporter-5b7d9c8f6-h2m4n", node="node-a")
    for log in (pos, near):
        log.call(at("10:00:00.512"), payments, "get", ref("secrets", "prod", "stripe-api-key"))
        log.call(at("10:00:20.730"), reporter, "get", ref("secrets", "prod", "report-db"))
    pos.call(at("10:05:11.306"), a["mallory"], "create", ref("serviceaccounts", "prod", "payments", sub="token"))
    minted = payments.with_(ips="203.0.113.9", ua=KUBECTL, pod=None, jti_only=True)
    pos.call(at("10:07:45.918"), minted, "get", ref("secrets", "prod", "stripe-api-key"))
    pos.call(at("10:08:02.144"), minted, "list", ref("secrets", "prod"), query=[("limit", "500")])
    # the kubelet mints for its pod (allowlisted); mallory mints for reporter,
    # which goes on as before
    near.call(at("10:05:11.306"), a["node-a"], "create", ref("serviceaccounts", "prod", "payments", sub="token"))
    near.call(at("10:07:45.918"), payments.with_(ips="10.244.2.58", pod=("prod", "payments-api-6f7c9d-p4v8z")),
              "get", ref("secrets", "prod", "stripe-api-key"))
    near.call(at("10:10:00.402"), a["mallory"], "create", ref("serviceaccounts", "prod", "reporter", sub="token"))
    near.call(at("10:12:30.871"), reporter, "get", ref("secrets", "prod", "report-db"))
    out.append(("minted-token-used", pos, near))
    return out


def der(tag, *parts):
    body = b"".join(parts)
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + head + body


def csr_request(cn, orgs):
    """`spec.request` of a CSR: base64 of the PEM of a PKCS#10 request with
    subject O=orgs..., CN=cn. The key and signature are fixed filler bytes
    (ktriage reads the subject only)."""
    def atv(oid, value):
        return der(0x31, der(0x30, der(0x06, oid), der(0x0c, value.encode())))
    name = der(0x30, *[atv(b"\x55\x04\x0a", o) for o in orgs], atv(b"\x55\x04\x03", cn))
    ec_oid = der(0x06, bytes.fromhex("2a8648ce3d0201"))
    p256 = der(0x06, bytes.fromhex("2a8648ce3d030107"))
    point = b"\x04" + hashlib.sha256(f"x {cn}".encode()).digest() + hashlib.sha256(f"y {cn}".encode()).digest()
    spki = der(0x30, der(0x30, ec_oid, p256), der(0x03, b"\x00" + point))
    info = der(0x30, der(0x02, b"\x00"), name, spki, der(0xa0))
    sig_alg = der(0x30, der(0x06, bytes.fromhex("2a8648ce3d040302")))
    sig = der(0x03, b"\x00" + der(0x30, der(0x02, b"\x01" * 32), der(0x02, b"\x02" * 32)))
    body = base64.b64encode(der(0x30, info, sig_alg, sig)).decode()
    pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(
        body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE REQUEST-----\n"
    return base64.b64encode(pem.encode()).decode()


def csr_object(name, request, signer="kubernetes.io/kube-apiserver-client"):
    return {"kind": "CertificateSigningRequest", "apiVersion": "certificates.k8s.io/v1",
            "metadata": {"name": name},
            "spec": {"request": request, "signerName": signer, "expirationSeconds": 86400,
                     "usages": ["client auth"]}}


def role_patch(log, t, who, reason):
    """`kubectl patch role dev-role -n dev --type=merge`: the request object
    is the merge patch, the response the whole Role; then a JSON patch
    (`--type=json`, the request object is an array) on dev/ci-runner."""
    created = at("16:02:19", day="2026-05-20")
    patch = {"rules": [rule(["get", "list", "watch"], [""], ["pods", "pods/log"]),
                       rule(["create"], [""], ["pods/exec"])]}
    resp = {"kind": "Role", "apiVersion": RBAC_V1,
            "metadata": rbac_meta("dev-role", t, log.rv(t), [
                managed("kubectl-client-side-apply", created, {
                    "f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}}),
                managed("kubectl-patch", t, {"f:rules": {}})], ns="dev", created=created,
                annotations={"kubectl.kubernetes.io/last-applied-configuration":
                             '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"annotations":{},'
                             '"name":"dev-role","namespace":"dev"},"rules":[{"apiGroups":[""],"resources":["pods",'
                             '"pods/log"],"verbs":["get","list","watch"]}]}\n'}),
            "rules": patch["rules"]}
    log.call(t, who, "patch", ref("roles", "dev", "dev-role", group=RBAC), query=[("fieldManager", "kubectl-patch")],
             req_obj=patch, resp_obj=resp, reason=reason)

    t2 = t + 3 * MIN + 12 * SEC + 381_000
    created2 = at("11:47:03", day="2026-06-02")
    json_patch = [{"op": "add", "path": "/rules/-", "value": {"apiGroups": [""], "resources": ["secrets"],
                                                              "verbs": ["get", "list"]}}]
    rules2 = [rule(["get", "list", "watch"], ["", "apps"], ["pods", "deployments"]),
              rule(["get", "list"], [""], ["secrets"])]
    resp2 = {"kind": "Role", "apiVersion": RBAC_V1,
             "metadata": rbac_meta("ci-runner", t2, log.rv(t2), [
                 managed("kubectl-create", created2, {"f:rules": {}}),
                 managed("kubectl-patch", t2, {"f:rules": {}})], ns="dev", created=created2),
             "rules": rules2}
    log.call(t2, who, "patch", ref("roles", "dev", "ci-runner", group=RBAC), query=[("fieldManager", "kubectl-patch")],
             req_obj=json_patch, resp_obj=resp2, reason=reason)


# --------------------------------------------------------------------------
# checks

REQUIRED = ("kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "sourceIPs",
            "userAgent", "requestReceivedTimestamp", "stageTimestamp")


def fail(name, message):
    sys.exit(f"make-sample-logs: {name}: {message}")


def check_file(name, lines):
    """Every line parses, carries the required fields, its timestamps are in
    order, and an auditID is shared only by the stages of one request."""
    by_id = {}
    last = ""
    for n, line in enumerate(lines, 1):
        ev = json.loads(line)
        missing = [k for k in REQUIRED if k not in ev]
        if missing:
            fail(name, f"line {n}: missing {missing}")
        if ev["requestReceivedTimestamp"] > ev["stageTimestamp"]:
            fail(name, f"line {n}: received after stage")
        if ev["stageTimestamp"] < last:
            fail(name, f"line {n}: not sorted by stageTimestamp")
        last = ev["stageTimestamp"]
        has_status = "responseStatus" in ev
        if (ev["stage"] == "RequestReceived") == has_status:
            fail(name, f"line {n}: responseStatus present iff the stage is past RequestReceived")
        key = (ev["requestURI"], ev["verb"], ev["user"]["username"], ev["requestReceivedTimestamp"])
        stages = by_id.setdefault(ev["auditID"], (key, []))
        if stages[0] != key:
            fail(name, f"line {n}: auditID {ev['auditID']} reused by another request")
        if ev["stage"] in stages[1]:
            fail(name, f"line {n}: stage {ev['stage']} twice for {ev['auditID']}")
        stages[1].append(ev["stage"])
    return [json.loads(line) for line in lines]


SUSPICIOUS_UA = ("curl", "wget", "python", "go-http-client", "postmanruntime", "insomnia", "httpie", "kali")
# A mirror of src/allowlist/defaults.rs for secret requests: exact users,
# and service accounts only with a token bound to a pod of the right name.
SECRET_ALLOW_USERS = (
    "system:kube-controller-manager",
    "system:serviceaccount:kube-system:generic-garbage-collector",
    "system:serviceaccount:kube-system:namespace-controller",
    "system:serviceaccount:kube-system:resourcequota-controller",
    "system:serviceaccount:kube-system:legacy-service-account-token-cleaner",
    "system:serviceaccount:kube-system:token-cleaner",
    "system:serviceaccount:kube-system:bootstrap-signer",
    "system:addon-manager",
)
SECRET_ALLOW_NAMED_USERS = ("system:l7-lb-controller",)
SECRET_ALLOW_PODS = {
    "system:serviceaccount:kube-system:secrets-store-csi-driver": "csi-secrets-store-",
    "system:serviceaccount:kube-system:csi-azurefile-controller-sa": "csi-azurefile-controller-",
    "system:serviceaccount:kube-system:csi-azurefile-node-sa": "csi-azurefile-node-",
    "system:serviceaccount:cert-manager:cert-manager": "cert-manager-",
    "system:serviceaccount:cert-manager:cert-manager-cainjector": "cert-manager-cainjector-",
    "system:serviceaccount:external-secrets:external-secrets": "external-secrets-",
    "system:serviceaccount:flux-system:source-controller": "source-controller-",
    "system:serviceaccount:flux-system:kustomize-controller": "kustomize-controller-",
    "system:serviceaccount:flux-system:helm-controller": "helm-controller-",
    "system:serviceaccount:argocd:argocd-application-controller": "argocd-application-controller-",
    "system:serviceaccount:argocd:argocd-server": "argocd-server-",
    "system:serviceaccount:kube-system:kube-state-metrics": "kube-state-metrics-",
    "system:serviceaccount:security:trivy-operator": "trivy-operator-",
}


def name_scoped(ev):
    return bool(ev.get("objectRef", {}).get("name")) or "fieldSelector=metadata.name%3D" in ev["requestURI"]


def pod_of(ev):
    return (ev["user"].get("extra", {}).get("authentication.kubernetes.io/pod-name") or [""])[0]


def pod_bound_to(ev, account):
    prefix = SECRET_ALLOW_PODS.get(account)
    return ev["user"]["username"] == account and prefix is not None and pod_of(ev).startswith(prefix)


def secret_allowlisted(ev):
    user = ev["user"]["username"]
    if user in SECRET_ALLOW_USERS or pod_bound_to(ev, user):
        return True
    if user == "system:apiserver":
        return ev["sourceIPs"][-1] in ("127.0.0.1", "::1")
    if (user.startswith("system:node:") or user in SECRET_ALLOW_NAMED_USERS) and name_scoped(ev):
        return True
    return False


def _user(name):
    return lambda ev: ev["user"]["username"] == name and ev.get("objectRef", {}).get("resource") == "secrets"


def _pod(account):
    return lambda ev: pod_bound_to(ev, account) and ev.get("objectRef", {}).get("resource") == "secrets"


# The default allowlist the benign log is built against: each entry and the
# events that must match it (checked, and listed in sample-logs/README.md).
ALLOWLIST_COVERAGE = [
    ("user system:kube-controller-manager", _user("system:kube-controller-manager")),
    ("user system:apiserver from 127.0.0.1/::1",
     lambda ev: _user("system:apiserver")(ev) and ev["sourceIPs"][-1] in ("127.0.0.1", "::1")),
] + [(f"user {u}", _user(u)) for u in SECRET_ALLOW_USERS[1:-1]] + [
    ("user system:serviceaccount:kube-system:clusterrole-aggregation-controller (clusterroles)",
     lambda ev: ev["user"]["username"] == "system:serviceaccount:kube-system:clusterrole-aggregation-controller"
     and ev.get("objectRef", {}).get("resource") == "clusterroles"),
] + [(f"pod-service-account {a} (pods {p}*)", _pod(a)) for a, p in SECRET_ALLOW_PODS.items()] + [
    ("user system:node:* reading secrets by name (objectRef.name or fieldSelector metadata.name=)",
     lambda ev: ev["user"]["username"].startswith("system:node:") and ev.get("objectRef", {}).get("resource") == "secrets"
     and name_scoped(ev)),
    ("user system:node:* creating serviceaccounts/token",
     lambda ev: ev["user"]["username"].startswith("system:node:") and ev.get("objectRef", {}).get("subresource") == "token"),
    ("user system:l7-lb-controller reading secrets by name",
     lambda ev: _user("system:l7-lb-controller")(ev) and name_scoped(ev)),
    ("user system:addon-manager", _user("system:addon-manager")),
]


def is_secret_read(ev, verbs=("get", "list", "watch")):
    return ev.get("objectRef", {}).get("resource") == "secrets" and ev["verb"] in verbs \
        and not ev.get("objectRef", {}).get("subresource")


def micros(stamp):
    return at(stamp[11:-1], day=stamp[:10])


def place(ev):
    """Where a request came from, as ktriage compares it (detect::workload):
    a pod-bound token anywhere in the pod network, a control-plane identity
    on any cluster node, else the address."""
    user, ip = ev["user"]["username"], ev["sourceIPs"][-1]
    if bound(ev) and ip.startswith("10.244."):
        return "pod network 10.244.0.0/16"
    control_plane = user in ("system:kube-controller-manager", "system:kube-scheduler") or (
        user.startswith("system:serviceaccount:kube-system:") and not bound(ev))
    if control_plane and ip in list(NODES.values()) + list(CP_NODES.values()):
        return "a cluster node"
    return ip


def client(ev):
    return ev["user"]["username"], place(ev), ev["userAgent"]


def bound(ev):
    return "authentication.kubernetes.io/pod-name" in ev["user"].get("extra", {})


def check_benign(events):
    name = "benign-busy-cluster.jsonl"
    if not 3000 <= len(events) <= 6000:
        fail(name, f"{len(events)} lines, want 3000-6000")
    earliest = min(micros(ev["requestReceivedTimestamp"]) for ev in events)
    reads = [ev for ev in events if is_secret_read(ev)]
    gets_lists = [ev for ev in events if is_secret_read(ev, ("get", "list"))]
    for ev in events:
        user = ev["user"]["username"]
        r = ev.get("objectRef")
        code = ev.get("responseStatus", {}).get("code")
        if "impersonatedUser" in ev and not (
                r and r["resource"] == "configmaps"
                and user.startswith("system:serviceaccount:cattle-impersonation-system:cattle-impersonation-")):
            fail(name, f"impersonation: {ev['auditID']}")
        if r and r["resource"] == "pods" and r.get("subresource") in RR_SUBRESOURCES:
            fail(name, f"exec/attach: {ev['auditID']}")
        if r and r["resource"] == "secrets" and code in (401, 403):
            fail(name, f"denied secret request: {ev['auditID']}")
        if r and is_rbac_write(r, ev["verb"]) and (
                user != "system:serviceaccount:kube-system:clusterrole-aggregation-controller"
                or r["resource"] != "clusterroles"):
            fail(name, f"RBAC write: {ev['auditID']}")
        if user == "system:anonymous" and (r or ev["requestURI"] != "/healthz"):
            fail(name, f"anonymous request: {ev['auditID']}")
        if r and r["resource"] == "secrets" and not secret_allowlisted(ev):
            fail(name, f"secret request by a non-allowlisted identity: {ev['auditID']}")
        if r and r["resource"] == "secrets" and ev["userAgent"].lower().startswith(SUSPICIOUS_UA):
            fail(name, f"suspicious user agent: {ev['auditID']}")
        if r and r["resource"] == "secrets" and not r.get("namespace") and ev["verb"] in ("list", "watch") \
                and user not in ("system:kube-controller-manager", "system:serviceaccount:cert-manager:cert-manager",
                                 "system:serviceaccount:cert-manager:cert-manager-cainjector", "system:apiserver",
                                 "system:serviceaccount:kube-system:kube-state-metrics"):
            fail(name, f"cluster-wide secret list by {user}")
    # Two rules learn (identity, source IP, user agent) and (identity, /24,
    # user agent, token kind) from the first hour: whichever start a reader
    # takes (first received timestamp or 08:00) and whether it counts
    # watches as reads or only get/list, nothing new after it.
    for learn_start in (earliest, B_LO):
        learn_end = learn_start + HOUR
        for subset in (reads, gets_lists):
            learned = {client(ev) for ev in subset if micros(ev["requestReceivedTimestamp"]) < learn_end}
            for ev in subset:
                if micros(ev["requestReceivedTimestamp"]) >= learn_end and client(ev) not in learned:
                    fail(name, f"new secret-reading client after the learning hour: {client(ev)}")
    kinds = {}
    for ev in reads:
        kinds.setdefault(ev["user"]["username"], set()).add(bound(ev))
    for user, seen in sorted(kinds.items()):
        if len(seen) > 1:
            fail(name, f"{user} reads secrets with both bound and unbound tokens")
    humans = {ev["user"]["username"] for ev in reads if not ev["user"]["username"].startswith("system:")}
    if humans:
        fail(name, f"humans reading secrets: {sorted(humans)}")
    if any(ev["userAgent"].lower().startswith("helm/") for ev in events):
        fail(name, "Helm client traffic (reported at low severity by helm-release-read)")
    for entry, matches in ALLOWLIST_COVERAGE:
        if not any(matches(ev) for ev in events):
            fail(name, f"allowlist entry matches nothing: {entry}")


def check_exfil(events):
    span = micros(events[-1]["stageTimestamp"]) - micros(events[0]["requestReceivedTimestamp"])
    if span >= 20 * MIN:
        fail("k8s_exec_secret_exfil.json", "spans 20 minutes or more")
    execs = [ev for ev in events if ev.get("objectRef", {}).get("subresource") == "exec"]
    if sorted(ev["stage"] for ev in execs) != ["RequestReceived", "ResponseStarted"]:
        fail("k8s_exec_secret_exfil.json", "the exec must log RequestReceived + ResponseStarted only")


# --------------------------------------------------------------------------
# README

RULE_NOTES = {
    "secret-read": (
        "`mallory` (human, kubectl) gets `prod/stripe-api-key`.",
        "`system:serviceaccount:cert-manager:cert-manager` (bound token) gets the same secret: allowlisted."),
    "secret-list-cluster-wide": (
        "`mallory` lists `/api/v1/secrets?limit=500` (objectRef without namespace).",
        "`mallory` lists `/api/v1/namespaces/prod/secrets`: namespaced, so not cluster-wide (secret-read still fires)."),
    "secret-rapid-get": (
        "`mallory` from 203.0.113.9 with kubectl gets 3 distinct secrets in 3m52s; the third is denied (403).",
        "`bob`: 2 distinct names in 5m20s (one fetched twice). `carol`: 3 distinct at t=0, 3m30s, 7m0s (never 3 within "
        "6 min). `dave`: 3 distinct in 90 s, all `sh.helm.release.v1.*` (Helm UA). `erin`: 3 distinct in 90 s from "
        "127.0.0.1."),
    "secret-read-suspicious-agent": (
        "`mallory` gets one secret with `curl/8.5.0` and one with `python-requests/2.31.0`.",
        "`mallory` watches secrets with `curl/8.5.0` (watch is not get/list), gets with `Curl/8.5.0` (the pattern is "
        "case-sensitive) and with the kubectl UA."),
    "secret-read-new-client": (
        "Learning hour 10:00-11:00: User `svc-reporter` reads from 10.20.0.5 with kubectl; at 11:30 the same user and "
        "UA from 198.51.100.99.",
        "Same learning hour plus a read from 10.20.0.6 at 10:10 (inside the learning hour). At 11:30 the learned "
        "combination again. `system:serviceaccount:reporting:report-operator` (UA `manager/v0.0.0 (linux/amd64) "
        "kubernetes/$Format`) reads from a new IP (10.244.2.77, same /24, restarted pod) at 11:40: standard client-go "
        "format, ignored."),
    "secret-read-workload-identity": (
        "`system:serviceaccount:default:webapp` (bound token) gets `default/db-password`, then a denied (403) list of "
        "`kube-system` secrets.",
        "cert-manager SA gets `prod/app-tls` (allowlisted); `system:node:node-a` lists and watches `prod` secrets "
        "scoped by `fieldSelector=metadata.name=app-tls` (objectRef has no name)."),
    "sa-token-context-mismatch": (
        "Learning hour: `system:serviceaccount:external-secrets:external-secrets` reads from 10.244.1.23, UA "
        "`external-secrets/v0.9.11 (linux/amd64)`, pod-bound token. At 11:20 the same SA from 203.0.113.50 with "
        "`curl/8.5.0` and a long-lived token (no `user.extra`).",
        "Same learning hour; at 11:20 the SA reads from 10.244.1.87 (same /24), same UA, bound token of a new pod "
        "(`external-secrets-6b8d9c7f4-w5j7c`: the pod-name differs, the token kind does not)."),
    "secret-access-impersonated": (
        "`system:serviceaccount:azure-arc:azure-arc-kube-aad-proxy-sa` impersonating "
        "`aad:4f1c9e2b-...@contoso.com` gets configmap `prod/app-config` and lists `prod` secrets; User `admin` "
        "impersonating `system:serviceaccount:prod:payments` gets `prod/stripe-api-key`.",
        "`admin` impersonating `jane@example.com` lists pods."),
    "secret-access-denied": (
        "`mallory`: 5 denied (403) secret gets in 8m45s (one name twice).",
        "`bob`: 4 denials and 3 not-found (404) in 8m53s, interleaved. `carol`: 5 denials spread over 40 minutes."),
    "secret-read-untrusted-source": (
        "`mallory` reads a secret from 203.0.113.9. Run with `secret-read-untrusted-source.toml` "
        "(`trusted_cidrs = [\"10.0.0.0/8\"]`).",
        "`mallory` reads from 10.20.0.5, and with `sourceIPs` `[\"203.0.113.9\", \"10.20.0.5\"]` (a forged "
        "X-Forwarded-For first, the direct peer 10.20.0.5 last). Same config file."),
    "secret-write": (
        "`mallory` deletes `prod/db-credentials` and patches `prod/api-key`.",
        "cert-manager SA updates `prod/app-tls` (allowlisted); `mallory` gets a secret (a read, not a write)."),
    "pod-exec": (
        "`mallory` execs `sh -c env` into `prod/web-7d9f8b6c5-k2m4p` twice: SPDY (verb `create`, kubectl 1.29) and "
        "WebSocket (verb `get`, kubectl 1.30). Each logs RequestReceived + ResponseStarted (101) only.",
        "`mallory` gets `pods/log` and gets the pod itself."),
    "rbac-binding-created": (
        "`mallory` creates ClusterRoleBinding `debug-binding` (cluster-admin to User `mallory`); `ci-deployer` creates "
        "ClusterRoleBinding `oops` (ClusterRole `view` to Group `system:authenticated`).",
        "`mallory` creates RoleBinding `dev/view-bob` (ClusterRole `view` to User `bob`)."),
    "rbac-role-widened": (
        "`mallory` creates ClusterRole `secret-reader` (secrets get/list); patches Role `dev/dev-role` with a JSON "
        "merge patch whose result grants `pods/exec` create; patches Role `dev/ci-runner` with a JSON patch "
        "(`requestObject` is an array) whose result grants secrets get/list.",
        "`mallory` creates Role `dev/cm-reader` (configmaps get/list only)."),
    "sa-token-minted": (
        "`mallory` creates a token for `prod/payments` (`serviceaccounts/token`).",
        "`system:node:node-a` creates a token for `prod/payments` (kubelet, allowlisted)."),
    "anonymous-secret-access": (
        "`system:anonymous` gets `default/registry-creds` (allowed, 200: critical) and is denied (403) "
        "`kube-system/cloud-provider-credentials` (medium).",
        "`system:anonymous` GETs `/healthz` and `/version` (non-resource, no objectRef)."),
    "helm-release-read": (
        "`alice@example.com` with `Helm/3.15.2`: lists `myapp` secrets with `labelSelector=owner=helm` and "
        "`name=myapp,owner=helm` (helm list, helm history), gets `myapp/sh.helm.release.v1.myapp.v7` (helm get values).",
        "The same release secret read with kubectl (secret-read fires instead), and with the Helm user agent: a list "
        "without a selector, with `owner!=helm`, and with `labelSelector` given twice (all secret-read)."),
    "nodes-proxy-exec": (
        "`mallory` through `/api/v1/nodes/node-b/proxy`: GET `/pods`, POST `/run/prod/payments-api-6f7c9d-x7q2w/"
        "payments-api?cmd=env`, POST `/exec/...?command=cat&command=/etc/secrets/db/password`.",
        "`system:serviceaccount:monitoring:prometheus` GETs `/metrics/cadvisor`, `/metrics`, `/metrics/resource`, "
        "`/stats/summary`, `/healthz`, `/spec/` through the same proxy (a monitoring agent)."),
    "pod-ephemeral-container": (
        "`mallory` patches `pods/ephemeralcontainers` of `prod/payments-api-6f7c9d-x7q2w` (`kubectl debug`, busybox, "
        "target `payments-api`; level Request).",
        "`mallory` gets `pods/ephemeralcontainers` (a read), `system:node:node-a` patches the pod's `status`."),
    "pod-mounts-secret-then-read": (
        "`mallory` creates pod `prod/dump` mounting `db-credentials` (volume) and `stripe-api-key` (envFrom), reads its "
        "log 17 s later; creates Job `prod/backup-check` with `aws-credentials` in env and reads the log of its pod "
        "`backup-check-x7q2w`. Pod and Job creates at level Request (with `requestObject`).",
        "`bob` creates `dev/web-debug` (uses `db-credentials`) and `carol` reads its log; `bob` creates `dev/hello` "
        "(mounts nothing) and reads its log."),
    "csr-privileged-group": (
        "`mallory` creates CSR `mallory-admin` (CN=mallory-admin, O=system:masters; level Request, `spec.request` a "
        "base64 PEM); `frank` approves it; User `mallory-admin` (group system:masters) lists every secret.",
        "`system:node:node-a` creates CSR `csr-8vn2q` (CN=system:node:node-a, O=system:nodes) and the certificate "
        "controller approves it."),
    "minted-token-used": (
        "`system:serviceaccount:prod:payments` reads from 10.244.2.31 (`payments-api/1.4.2`, pod-bound); `mallory` "
        "creates a token for `prod/payments`; 2.5 min later `payments` reads secrets from 203.0.113.9 with kubectl.",
        "`system:node:node-a` (kubelet, allowlisted) mints a token for `prod/payments`, which then reads from a new pod "
        "IP; `mallory` mints a token for `prod/reporter`, which goes on reading from its usual IP and user agent."),
    "escalate-then-loot": (
        "`mallory` binds cluster-admin to ServiceAccount `prod/payments`; 6 minutes later "
        "`system:serviceaccount:prod:payments` lists and gets `kube-system` secrets. `mallory` binds cluster-admin to "
        "Group `ops-breakglass`; 14 minutes later `eve` (in that group) execs into `prod/payments-api-6f7c9d-x7q2w` "
        "(command encoded with `+` for spaces, as Go writes it).",
        "`mallory` binds cluster-admin to User `frank`; `frank` reads secrets 31 and 32 minutes later."),
}


def readme(files):
    rows = []

    def row(path, scenario, fire, no_fire, notes):
        rows.append(f"| `{path}` | {files[path]} | {scenario} | {fire} | {no_fire} | {notes} |")

    row("k8s_exec_secret_exfil.json",
        "The validation case of LogTriage's Sigma rule (seed 000), 14:00-14:16Z: `ci-deployer` (198.51.100.23) creates "
        "ClusterRoleBinding `attacker-admin-binding` (cluster-admin to User `attacker-admin`); two minutes later "
        "`attacker-admin` (203.0.113.77) gets `prod/aws-credentials` and `prod/db-credentials`, then execs "
        "`cat /var/run/secrets/kubernetes.io/serviceaccount/token` in `prod/payments-api-6f7c9d-abcde`.",
        "rbac-binding-created (ci-deployer), secret-read (attacker-admin), pod-exec (attacker-admin), "
        "escalate-then-loot; one critical incident naming both identities; rotate `prod/aws-credentials`, "
        "`prod/db-credentials`",
        "every other rule (default config)",
        "Surrounding benign lines: kubelet lease renewals (an excerpt, not every 10 s), a CoreDNS endpointslices "
        "watch, `jane@example.com` listing pods. The exec is RequestReceived + ResponseStarted (101) only.")
    row("benign-busy-cluster.jsonl",
        "A busy three-node cluster, 08:00-10:10Z: kubelets, kube-controller-manager (restarted at 08:00: cluster-wide "
        "secret list+watch, controller tokens, ClusterRole aggregation of `admin`/`edit`), scheduler, CoreDNS, "
        "cert-manager (a renewal, a new certificate), external-secrets (hourly refresh, one new secret), Flux "
        "(source/kustomize/helm-controller, a podinfo upgrade v3 to v4 at 09:31), Argo CD, trivy-operator, the "
        "Secrets Store CSI driver, Azure Files CSI, kube-state-metrics, cert-manager's cainjector, the API server's "
        "loopback client (127.0.0.1), kube-controller-manager's leader failover from cp-1 (10.0.0.10) to cp-2 "
        "(10.0.16.10, another subnet) at 09:40 (relist, new controller tokens, quota recounts and a namespace "
        "deletion at 09:46 from cp-2), "
        "external-secrets rescheduled from node-c to node-a at 09:52 (new pod, new pod IP in another /24), "
        "Prometheus scraping kubelet `/metrics` and `/metrics/cadvisor` through `nodes/proxy`, a Rancher UI user "
        "listing configmaps through Rancher's impersonating account, kube-system controllers by exact name (bootstrap tokens, quota, a namespace "
        "deletion at 08:44, a legacy token cleanup), GKE's GLBC and addon manager, developers reading pods and logs, "
        "`alice@example.com` checking pods, load-balancer `/healthz` checks. Every service account reads with a token "
        "bound to its pod, except kube-controller-manager's controllers (TokenRequest, no pod). No Helm client "
        "traffic: that is reported at low severity on purpose (rules/helm-release-read.*).",
        "none", "every rule, with the default allowlist",
        "08:00-09:00 is the learning hour: every (identity, source IP, user agent) that reads secrets later read "
        "them in it too, with the same token kind. Watches started before 08:00 appear only as their "
        "ResponseComplete; watches still open at 10:10 only as ResponseStarted. Default allowlist entries this file "
        "exercises (each matches at least one event): "
        + "; ".join(f"`{entry}`" for entry, _ in ALLOWLIST_COVERAGE) + ".")
    for rule_id, (pos, near) in RULE_NOTES.items():
        row(f"rules/{rule_id}.positive.jsonl", pos, rule_id, "-", "Other rules may fire too.")
        row(f"rules/{rule_id}.near-miss.jsonl", near, "-", rule_id, "Other rules may fire.")
    header = "| file | lines | scenario | must fire | must not fire | notes |\n|---|---|---|---|---|---|\n"
    return f"""# Sample audit logs

Synthetic kube-apiserver audit logs (`audit.k8s.io/v1` Events, one JSON object per line), written by
`scripts/make-sample-logs.py`. Do not edit them by hand: change the generator and run

    python3 scripts/make-sample-logs.py

It is deterministic (every run rewrites every file byte for byte) and checks, before writing, that each line
parses, carries the required fields, is sorted by `stageTimestamp`, that an `auditID` is shared only by the stages
of one request, and the properties the benign file promises.

The events follow what kube-apiserver v1.30 writes, under this audit policy: RBAC writes at level `RequestResponse`
(with `requestObject`/`responseObject`), every stage; `secrets`, `serviceaccounts/token` and
`pods/exec|attach|portforward` at `Metadata`, every stage (so they also log `RequestReceived`, which de-duplication by
`auditID` must fold); everything else at `Metadata` without `RequestReceived`. As in real logs, a `RequestReceived`
event has no `responseStatus`, no `authorization.k8s.io/*` annotations and no `impersonatedUser`, and a create's
`RequestReceived` has no `objectRef.name`; creates with `generateName` (pods from a ReplicaSet, cert-manager's
temporary key secrets) never carry one. Query strings escape `&` as `\\u0026` like Go's JSON encoder. Every name,
address and credential is invented; `203.0.113.0/24`, `198.51.100.0/24` are documentation ranges.

Times are 2026-07-01 UTC. The per-rule files start at 10:00Z; where a rule learns from the first hour of input,
10:00-11:00 is that hour.

{header}{chr(10).join(rows)}

`rules/secret-read-untrusted-source.toml` holds the configuration both `secret-read-untrusted-source` files are run
with: `trusted_cidrs = ["10.0.0.0/8"]`.
"""


# --------------------------------------------------------------------------


def main():
    outputs = {}  # path relative to sample-logs/ -> lines
    exfil = exfil_sample().lines()
    outputs["k8s_exec_secret_exfil.json"] = exfil
    benign = benign_cluster().lines()
    outputs["benign-busy-cluster.jsonl"] = benign
    for rule_id, pos, near in rules_samples():
        outputs[f"rules/{rule_id}.positive.jsonl"] = pos.lines()
        outputs[f"rules/{rule_id}.near-miss.jsonl"] = near.lines()
    if sorted(RULE_NOTES) != sorted({p.split("/")[1].rsplit(".", 2)[0] for p in outputs if p.startswith("rules/")}):
        fail("README", "RULE_NOTES and the rule samples disagree")

    parsed = {path: check_file(path, lines) for path, lines in outputs.items()}
    check_exfil(parsed["k8s_exec_secret_exfil.json"])
    check_benign(parsed["benign-busy-cluster.jsonl"])

    (OUT / "rules").mkdir(parents=True, exist_ok=True)
    for path, lines in outputs.items():
        (OUT / path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "rules" / "secret-read-untrusted-source.toml").write_text(
        '# Configuration for rules/secret-read-untrusted-source.*.jsonl\ntrusted_cidrs = ["10.0.0.0/8"]\n',
        encoding="utf-8")
    (OUT / "README.md").write_text(readme({p: len(lines) for p, lines in outputs.items()}), encoding="utf-8")
    print(f"wrote {len(outputs) + 2} files under {OUT.relative_to(ROOT)}/ "
          f"({sum(len(lines) for lines in outputs.values())} events)")


if __name__ == "__main__":
    main()
