#!/usr/bin/env python3
"""Writes seed corpora for the cargo-fuzz targets in fuzz/fuzz_targets/ from the IETF MLS
test vectors (https://github.com/mlswg/mls-implementations, format in their README.md).

Usage: python3 tools/fuzz_seeds.py [VECTOR_DIR]
       python3 tools/fuzz_seeds.py --runner-dump DUMP_DIR

VECTOR_DIR defaults to $MELOS_TEST_VECTORS, else ../shared/test-vectors relative to the
repository root. Python 3 standard library only.

Each target gets at most MAX_SEEDS small, deduplicated inputs in fuzz/corpus/<target>/, in
the exact input format of its entry point in src/fuzzing/ (a raw TLS-encoded structure, an
MLSMessage, a selector byte followed by a structure, ...):

- `seed-vec-<vector file>-<field>-<entry index>`: bytes taken from a test vector (sliced
  out of a larger structure where the target wants a part of it);
- `seed-fix-<what>`: inputs that only address a fixture of the entry point (a patch of a
  genuine in-process message or state, an empty extension list): no vector data fits.

With `--runner-dump`, the seeds come instead from the messages the interop scenario runner
relayed between two melos servers (`melos-interop-runner --dump-messages DUMP_DIR`, files
`<kind>-<suite>-<hash>`): KeyPackages, Welcomes, GroupInfos, ratchet trees, Commits and
proposals (public and private) and application ciphertexts of suites 1 to 3, written as
`seed-run-<kind>-<suite>-<hash>` into the fuzz/ targets that take those structures and into
fuzz-diff/'s `diff_key_package` and `diff_group_info`. These are real multi-member messages
(groups of up to ~40 members, PSKs, external joins, ReInit and branches) that no vector has.
That mode replaces the `seed-run-*` files only; the vector mode replaces every `seed-vec-*` and
`seed-fix-*` file and nothing else (the
hand-written `seed-NN-*` programs of group_member_ops stay). The output is deterministic.
"""

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "fuzz" / "corpus"
TARGETS = REPO / "fuzz" / "fuzz_targets"
MAX_SEEDS = 20
MAX_LEN = 4096
OWNED_PREFIXES = ("seed-vec-", "seed-fix-")

# Targets with no generated seeds, and why.
SKIPPED = {
    "group_member_ops": "its input is a program of group operations (src/fuzzing/member_ops.rs) "
    "and no vector structure fits (a raw KeyPackage blob is capped at 255 bytes, the vectors' "
    "are larger); its seed-NN-* programs come from src/fuzzing/member_ops/seeds.rs, and the "
    "test seed_corpus_is_current requires the directory's seed-* files to be exactly those",
}

# MLSMessage wire formats (RFC 9420 §6).
PUBLIC, PRIVATE, WELCOME, GROUP_INFO, KEY_PACKAGE = 1, 2, 3, 4, 5
# Proposal types (RFC 9420 §12.1) of the bare proposal bodies in messages.json.
PROPOSAL_FIELDS = [
    ("add_proposal", 1),
    ("update_proposal", 2),
    ("remove_proposal", 3),
    ("pre_shared_key_proposal", 4),
    ("re_init_proposal", 5),
    ("external_init_proposal", 6),
    ("group_context_extensions_proposal", 7),
]


def die(msg):
    sys.exit(f"fuzz_seeds.py: error: {msg}")


# --- TLS / MLS decoding (RFC 9420 §2.1), just enough to slice structures out ---------------


class ParseError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ParseError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def varint(self):
        first = self.uint(1)
        prefix = first >> 6
        if prefix == 3:
            raise ParseError("bad varint prefix")
        value = first & 0x3F
        for _ in range((1, 2, 4)[prefix] - 1):
            value = (value << 8) | self.uint(1)
        return value

    def vec(self):
        """An `opaque x<V>`: returns the content."""
        return self.take(self.varint())

    def span(self, parse):
        """Runs `parse(self)` and returns (its result, the bytes it consumed)."""
        start = self.pos
        result = parse(self)
        return result, self.data[start : self.pos]

    def vec_span(self):
        """An `opaque x<V>`: returns the encoding (prefix and content)."""
        return self.span(Reader.vec)[1]

    def end(self):
        if self.pos != len(self.data):
            raise ParseError("trailing bytes")


def parse_credential(r):
    cred_type = r.uint(2)
    if cred_type not in (1, 2):  # basic: identity<V>; x509: certificates<V>
        raise ParseError(f"credential type {cred_type}")
    r.vec()


def parse_leaf_node(r):
    """LeafNode (RFC 9420 §7.2): returns a dict of encoded parts."""
    start = r.pos
    out = {"encryption_key": r.vec_span(), "signature_key": r.vec_span()}
    out["credential"] = r.span(parse_credential)[1]
    for _ in range(5):  # capabilities: versions, cipher_suites, extensions, proposals, credentials
        r.vec()
    source = r.uint(1)
    if source == 1:
        r.take(16)  # lifetime
    elif source == 3:
        r.vec()  # parent_hash
    elif source != 2:
        raise ParseError(f"leaf node source {source}")
    r.vec()  # extensions
    r.vec()  # signature
    out["source"] = source
    out["bytes"] = r.data[start : r.pos]
    return out


def parse_key_package(data):
    r = Reader(data)
    r.uint(2)
    suite = r.uint(2)
    init_key = r.vec_span()
    leaf = parse_leaf_node(r)
    r.vec()
    r.vec()
    r.end()
    return {"suite": suite, "init_key": init_key, "leaf": leaf}


def parse_hpke_ciphertext(r):
    r.vec()
    r.vec()


def parse_welcome(data):
    """Welcome (RFC 9420 §12.4.3.1): returns the encoded HPKECiphertexts of its secrets."""
    r = Reader(data)
    r.uint(2)
    secrets = Reader(r.vec())
    ciphertexts = []
    while secrets.pos < len(secrets.data):
        secrets.vec()  # new_member
        ciphertexts.append(secrets.span(parse_hpke_ciphertext)[1])
    r.vec()
    r.end()
    return ciphertexts


def parse_group_context(r):
    r.uint(2)
    r.uint(2)
    r.vec()
    r.uint(8)
    r.vec()
    r.vec()
    return r.vec_span()  # extensions


def parse_group_info(data):
    r = Reader(data)
    gc_extensions, group_context = r.span(parse_group_context)
    extensions = r.vec_span()
    r.vec()
    r.uint(4)
    r.vec()
    r.end()
    return {
        "group_context": group_context,
        "gc_extensions": gc_extensions,
        "extensions": extensions,
    }


def parse_ratchet_tree(data):
    """`optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3): returns its leaves."""
    r = Reader(data)
    nodes = Reader(r.vec())
    r.end()
    leaves = []
    while nodes.pos < len(nodes.data):
        if nodes.uint(1) == 0:
            continue
        node_type = nodes.uint(1)
        if node_type == 1:
            leaves.append(parse_leaf_node(nodes))
        elif node_type == 2:
            nodes.vec()
            nodes.vec()
            nodes.vec()
        else:
            raise ParseError(f"node type {node_type}")
    return leaves


def parse_update_path(data):
    r = Reader(data)
    leaf = parse_leaf_node(r)
    nodes = Reader(r.vec())
    r.end()
    ciphertexts = []
    while nodes.pos < len(nodes.data):
        nodes.vec()
        cts = Reader(nodes.vec())
        while cts.pos < len(cts.data):
            ciphertexts.append(cts.span(parse_hpke_ciphertext)[1])
    return {"leaf": leaf, "ciphertexts": ciphertexts}


def mls_message_body(data, wire_format):
    """The body of an MLSMessage (RFC 9420 §6) of `wire_format`."""
    if len(data) < 4 or int.from_bytes(data[:2], "big") != 1:
        raise ParseError("not an mls10 MLSMessage")
    if int.from_bytes(data[2:4], "big") != wire_format:
        raise ParseError("unexpected wire format")
    return data[4:]


def vl(data):
    """`opaque data<V>`."""
    n = len(data)
    if n <= 0x3F:
        head = bytes([n])
    elif n <= 0x3FFF:
        head = (0x4000 | n).to_bytes(2, "big")
    else:
        head = (0x80000000 | n).to_bytes(4, "big")
    return head + data


def u16(n):
    return n.to_bytes(2, "big")


def u32(n):
    return n.to_bytes(4, "big")


# --- Vector access ---------------------------------------------------------------------------


class Vectors:
    def __init__(self, root):
        self.root = root
        self.cache = {}

    def load(self, name):
        if name not in self.cache:
            path = self.root / name
            if not path.is_file():
                die(f"test vector file {path} is missing")
            with open(path) as f:
                self.cache[name] = json.load(f)
        return self.cache[name]

    def field(self, name, key, pred=None):
        """(label, bytes) of `key` in every entry of `name` (that satisfies `pred`)."""
        stem = name.removesuffix(".json")
        out = []
        for i, entry in enumerate(self.load(name)):
            if pred is not None and not pred(entry):
                continue
            value = entry.get(key)
            if value is None:
                continue
            out.append((f"{stem}-{key}-{i}", bytes.fromhex(value)))
        return out


def suite(n):
    return lambda e: e.get("cipher_suite") == n


def smallest(items, k):
    """The `k` shortest distinct items of (label, bytes), at most MAX_LEN long, in order."""
    seen, out = set(), []
    order = sorted(range(len(items)), key=lambda i: (len(items[i][1]), i))
    for label, data in (items[i] for i in order):
        if data in seen or len(data) > MAX_LEN:
            continue
        seen.add(data)
        out.append((label, data))
        if len(out) == k:
            break
    return out


def mapped(items, f, suffix=""):
    """Applies `f` to each item's bytes; items `f` cannot parse are dropped."""
    out = []
    for label, data in items:
        try:
            value = f(data)
        except ParseError:
            continue
        if value is None:
            continue
        out.append((label + suffix, value))
    return out


def prefixed(byte_values, items, tag=""):
    return [(label + tag, bytes(byte_values) + data) for label, data in items]


def fix(name, data):
    return ("fix:" + name, bytes(data))


# --- Seeds per target (input formats in src/fuzzing/) ------------------------------------------


def seeds_varint(v):
    # fuzzing::varint: bytes starting with an MLS varint (RFC 9420 §2.1.2).
    return [
        (f"deserialization-vlbytes_header-{i}", bytes.fromhex(e["vlbytes_header"]))
        for i, e in enumerate(v.load("deserialization.json"))
    ]


def seeds_tree_math(v):
    # fuzzing::tree_math: u32 leaf count, u32 node x, u32 node y (big-endian).
    out = []
    for i, e in enumerate(v.load("tree-math.json")):
        n, root, last = e["n_leaves"], e["root"], e["n_nodes"] - 1
        out.append((f"tree-math-root-{i}", u32(n) + u32(root) + u32(last)))
        out.append((f"tree-math-last-{i}", u32(n) + u32(last) + u32(last // 2)))
    return out


def one_per_suite(v, name, key, k, unwrap=None):
    """The first entry of each of the first `k` cipher suites of `name`."""
    out, suites = [], []
    for i, e in enumerate(v.load(name)):
        s = e.get("cipher_suite")
        if s in suites or e.get(key) is None:
            continue
        data = bytes.fromhex(e[key])
        try:
            data = unwrap(data) if unwrap else data
        except ParseError:
            continue
        suites.append(s)
        out.append((f"{name.removesuffix('.json')}-{key}-{i}", data))
        if len(suites) == k:
            break
    return out


def seeds_key_package(v):
    # fuzzing::messages::key_package: a TLS-encoded KeyPackage (RFC 9420 §10).
    unwrap = lambda d: mls_message_body(d, KEY_PACKAGE)
    messages = mapped(v.field("messages.json", "mls_key_package"), unwrap)
    return (
        smallest(messages, 5)
        + one_per_suite(v, "welcome.json", "key_package", 7, unwrap)
        + one_per_suite(v, "passive-client-welcome.json", "key_package", 3, unwrap)
    )


def seeds_welcome(v):
    # fuzzing::messages::welcome: a TLS-encoded Welcome (RFC 9420 §12.4.3.1).
    unwrap = lambda d: mls_message_body(d, WELCOME)
    messages = mapped(v.field("messages.json", "mls_welcome"), unwrap)
    passive = mapped(v.field("passive-client-welcome.json", "welcome"), unwrap)
    return (
        smallest(messages, 5)
        + one_per_suite(v, "welcome.json", "welcome", 7, unwrap)
        + smallest(passive, 2)
    )


def seeds_mls_message(v):
    # fuzzing::framing::mls_message: any MLSMessage (RFC 9420 §6).
    out = []
    for key in [
        "mls_welcome",
        "mls_group_info",
        "mls_key_package",
        "public_message_application",
        "public_message_proposal",
        "public_message_commit",
        "private_message",
    ]:
        out += smallest(v.field("messages.json", key), 1)
    for key in ["welcome", "key_package"]:
        out += one_per_suite(v, "welcome.json", key, 2)
    for key in ["application_priv", "proposal_priv", "commit_priv", "proposal_pub", "commit_pub"]:
        out += v.field("message-protection.json", key, suite(1))
    out += smallest(
        [
            (f"passive-client-handling-commit-commit-{i}-{j}", bytes.fromhex(ep["commit"]))
            for i, e in enumerate(v.load("passive-client-handling-commit.json"))
            if e["cipher_suite"] == 1
            for j, ep in enumerate(e["epochs"])
        ],
        2,
    )
    return out


def seeds_group_process(v):
    # fuzzing::group::process: an MLSMessage processed by a member of a fixed group (suite 1).
    out = []
    for key in ["public_message_application", "public_message_proposal", "public_message_commit"]:
        out += smallest(v.field("messages.json", key), 2)
    out += smallest(v.field("messages.json", "private_message"), 2)
    for key in ["application_priv", "proposal_priv", "commit_priv", "proposal_pub", "commit_pub"]:
        out += v.field("message-protection.json", key, suite(1))
    out += smallest(v.field("messages.json", "mls_welcome"), 1)
    out += smallest(v.field("messages.json", "mls_key_package"), 1)
    return out


def seeds_private_message(v):
    # fuzzing::framing::private_message: selector 0 + PrivateMessage; selector 1 + content
    # type byte (0 application, 1 proposal, 2 commit) + PrivateMessageContent plaintext;
    # selector 2 + SenderData plaintext.
    unwrap = lambda d: mls_message_body(d, PRIVATE)
    out = []
    for key in ["application_priv", "proposal_priv", "commit_priv"]:
        out += prefixed([0], mapped(v.field("message-protection.json", key, suite(1)), unwrap))
    out += prefixed([0], smallest(mapped(v.field("messages.json", "private_message"), unwrap), 3))
    # PrivateMessageContent (RFC 9420 §6.3.1) around the vector's raw values, with an
    # all-zero Ed25519 signature (and confirmation tag), and zero padding.
    sig = vl(bytes(64))
    for i, e in enumerate(v.load("message-protection.json")):
        if e["cipher_suite"] != 1:
            continue
        app = bytes.fromhex(e["application"])
        out.append((f"message-protection-application-content-{i}", bytes([1, 0]) + vl(app) + sig))
        out.append(
            (f"message-protection-application-padded-{i}", bytes([1, 0]) + vl(app) + sig + bytes(8))
        )
        proposal = bytes.fromhex(e["proposal"])
        out.append((f"message-protection-proposal-content-{i}", bytes([1, 1]) + proposal + sig))
        commit = bytes.fromhex(e["commit"])
        out.append(
            (f"message-protection-commit-content-{i}", bytes([1, 2]) + commit + sig + vl(bytes(32)))
        )
    # SenderData (RFC 9420 §6.3.2): leaf_index, generation, reuse_guard.
    out.append(fix("sender-data-leaf1", [2] + list(u32(1) + u32(0) + bytes(4))))
    out.append(fix("sender-data-leaf0", [2] + list(u32(0) + u32(0) + bytes(4))))
    return out


def leaf_nodes(v):
    """(update source, key_package source, commit source) LeafNodes from the vectors."""
    updates = smallest(v.field("messages.json", "update_proposal"), 4)
    kps = mapped(
        one_per_suite(v, "welcome.json", "key_package", 3),
        lambda d: parse_key_package(mls_message_body(d, KEY_PACKAGE))["leaf"]["bytes"],
        "-leaf",
    )
    commits = []
    for name, key in [("treekem.json", "ratchet_tree"), ("tree-validation.json", "tree")]:
        for label, tree in smallest(v.field(name, key, suite(1)), 2):
            try:
                leaves = parse_ratchet_tree(tree)
            except ParseError:
                continue
            commits += [
                (f"{label}-leaf{j}", leaf["bytes"])
                for j, leaf in enumerate(leaves)
                if leaf["source"] == 3
            ][:2]
    paths = mapped(
        smallest(
            [
                (f"treekem-update_path-{i}-{j}", bytes.fromhex(p["update_path"]))
                for i, e in enumerate(v.load("treekem.json"))
                if e["cipher_suite"] == 1
                for j, p in enumerate(e["update_paths"])
            ],
            2,
        ),
        lambda d: parse_update_path(d)["leaf"]["bytes"],
        "-leaf",
    )
    return updates, kps, commits, paths


def seeds_leaf_node(v):
    # fuzzing::tree::leaf_node: a TLS-encoded LeafNode (RFC 9420 §7.2).
    updates, kps, commits, paths = leaf_nodes(v)
    return updates + kps + commits + paths


def seeds_ratchet_tree(v):
    # fuzzing::tree::ratchet_tree: `ratchet_tree` extension data (RFC 9420 §12.4.3.3).
    return (
        smallest(v.field("messages.json", "ratchet_tree"), 4)
        + smallest(v.field("tree-validation.json", "tree", suite(1)), 8)
        + smallest(v.field("treekem.json", "ratchet_tree", suite(1)), 3)
        + smallest(v.field("tree-operations.json", "tree_before", suite(1)), 2)
        + smallest(v.field("tree-validation.json", "tree", suite(2)), 2)
    )


def seeds_update_path(v):
    # fuzzing::treekem::update_path: mode byte (sender << 2 | repair) + UpdatePath, applied
    # to a fixed 5-member suite-1 group (leaves 0..4, no blanks). Only the suite-1 treekem
    # trees of that shape (9 nodes, 5 leaves) give paths that fit; repair 0 takes the path
    # as is, 1 signs the leaf again, 2 also recomputes its parent hash.
    out = []
    for i, e in enumerate(v.load("treekem.json")):
        if e["cipher_suite"] != 1:
            continue
        try:
            tree = bytes.fromhex(e["ratchet_tree"])
            nodes = Reader(Reader(tree).vec())
            n_nodes = 0
            while nodes.pos < len(nodes.data):
                n_nodes += 1
                if nodes.uint(1) == 1:
                    if nodes.uint(1) == 1:
                        parse_leaf_node(nodes)
                    else:
                        nodes.vec()
                        nodes.vec()
                        nodes.vec()
            if n_nodes != 9 or len(parse_ratchet_tree(tree)) != 5:
                continue
        except ParseError:
            continue
        for p in e["update_paths"]:
            path = bytes.fromhex(p["update_path"])
            for repair in (0, 1, 2):
                mode = (p["sender"] << 2) | repair
                label = f"treekem-update_path-{i}-s{p['sender']}-m{repair}"
                out.append((label, bytes([mode]) + path))
    return out[:MAX_SEEDS]


def seeds_wire_types(v):
    # fuzzing::wire_types: selector (modulo 7) + a structure: 0 HPKECiphertext,
    # 1 HPKEPublicKey, 2 SignaturePublicKey, 3 PreSharedKeyID, 4 Credential,
    # 5 GroupContext, 6 LeafNode.
    out = []
    welcomes = smallest(v.field("messages.json", "mls_welcome"), 2) + one_per_suite(
        v, "welcome.json", "welcome", 1
    )
    cts = mapped(welcomes, lambda d: parse_welcome(mls_message_body(d, WELCOME))[0], "-secret0")
    out += prefixed([0], cts[:3], "-ct")
    kps = mapped(
        one_per_suite(v, "welcome.json", "key_package", 3),
        lambda d: parse_key_package(mls_message_body(d, KEY_PACKAGE)),
    )
    out += prefixed([1], [(l + "-init_key", kp["init_key"]) for l, kp in kps[:3]])
    out += prefixed([2], [(l + "-signature_key", kp["leaf"]["signature_key"]) for l, kp in kps[:2]])
    out += prefixed([3], smallest(v.field("messages.json", "pre_shared_key_proposal"), 3), "-id")
    out += prefixed([4], [(l + "-credential", kp["leaf"]["credential"]) for l, kp in kps[:2]])
    contexts = [
        (f"key-schedule-group_context-{i}-0", bytes.fromhex(e["epochs"][0]["group_context"]))
        for i, e in enumerate(v.load("key-schedule.json"))
    ][:2]
    infos = mapped(
        smallest(v.field("messages.json", "mls_group_info"), 1),
        lambda d: parse_group_info(mls_message_body(d, GROUP_INFO))["group_context"],
        "-context",
    )
    out += prefixed([5], contexts + infos)
    out += prefixed([6], smallest(v.field("messages.json", "update_proposal"), 2), "-leaf")
    return out


def typed_proposals(v, k):
    """Proposals (type + body) from messages.json's bare bodies, `k` of each type."""
    out = []
    for key, proposal_type in PROPOSAL_FIELDS:
        out += [(l, u16(proposal_type) + d) for l, d in smallest(v.field("messages.json", key), k)]
    return out


def seeds_external_proposal(v):
    # fuzzing::external::external_proposal: selector 0 + MLSMessage; 1 + seed index + patch
    # (offset u16, XOR mask) of a genuine fixture message; 2 + Proposal (signed by the
    # fixture's external sender); 3 + Extensions of a GroupContextExtensions proposal.
    out = []
    out += prefixed([0], smallest(v.field("messages.json", "public_message_proposal"), 2))
    out += prefixed([0], v.field("message-protection.json", "proposal_pub", suite(1)))
    for i, what in enumerate(["external-remove", "new-member-add", "new-member-commit"]):
        out.append(fix(f"patch-none-{what}", [1, i, 0, 0]))
    out.append(fix("patch-bit-external-remove", [1, 0, 0, 40, 1]))
    out += prefixed([2], typed_proposals(v, 1))
    out += prefixed(
        [2], smallest(v.field("tree-operations.json", "proposal", suite(1)), 2), "-proposal"
    )
    out += prefixed([2], v.field("message-protection.json", "proposal", suite(1)))
    gce = [(l, d) for l, d in v.field("messages.json", "group_context_extensions_proposal")]
    out += prefixed([3], smallest([x for x in gce if len(x[1]) > 1], 2), "-extensions")
    out.append(fix("extensions-empty", [3, 0]))
    return out


def seeds_group_info(v):
    # fuzzing::external::group_info: selector 0 + MLSMessage(GroupInfo); 1 + patch (offset
    # u16, XOR mask) of the fixture's GroupInfo; 2 + the GroupInfo's extensions; 3 + the
    # GroupContext's extensions (both signed again by the fixture).
    out = []
    infos = smallest(v.field("messages.json", "mls_group_info"), 40)
    out += prefixed([0], infos[:5])
    out.append(fix("patch-none", [1, 0, 0]))
    out.append(fix("patch-bit", [1, 0, 64, 1]))
    parsed = mapped(infos, lambda d: parse_group_info(mls_message_body(d, GROUP_INFO)))
    outer = [(l + "-extensions", p["extensions"]) for l, p in parsed if len(p["extensions"]) > 1]
    inner = [
        (l + "-gc_extensions", p["gc_extensions"]) for l, p in parsed if len(p["gc_extensions"]) > 1
    ]
    out += prefixed([2], smallest(outer, 4))
    out += prefixed([3], smallest(inner, 4))
    out.append(fix("extensions-empty", [2, 0]))
    out.append(fix("gc-extensions-empty", [3, 0]))
    return out


def seeds_group_state(v):
    # fuzzing::external::group_state: selector 0 + saved state; 1 + patch of the fixture's
    # state; 2 + state body in a valid envelope; 3 + patch of the body in a valid envelope.
    # melos's own format: no vector fits, only fixture patches.
    return [
        fix("patch-none", [1, 0, 0]),
        fix("patch-bit", [1, 0, 16, 1]),
        fix("body-empty", [2]),
        fix("body-patch-none", [3, 0, 0]),
        fix("body-patch-byte", [3, 0, 32, 0xFF]),
        fix("body-patch-far", [3, 1, 0, 0x80, 0x01]),
    ]


def seeds_client_material(v):
    # fuzzing::messages::client_material: a SavedSigningIdentity or SavedKeyPackageBundle
    # (src/group/client_material.rs) made of a passive-client vector's KeyPackage and keys.
    out = []
    seen = set()
    for i, e in enumerate(v.load("passive-client-welcome.json")):
        if e["cipher_suite"] in seen or len(seen) >= 5:
            continue
        try:
            raw = mls_message_body(bytes.fromhex(e["key_package"]), KEY_PACKAGE)
            kp = parse_key_package(raw)
        except ParseError:
            continue
        seen.add(e["cipher_suite"])
        init, enc = bytes.fromhex(e["init_priv"]), bytes.fromhex(e["encryption_priv"])
        sig = bytes.fromhex(e["signature_priv"])
        bundle = b"melosKPB" + u16(1) + raw + vl(init) + vl(enc)
        out.append((f"passive-client-welcome-bundle-{i}", bundle))
        identity = (
            b"melosSID"
            + u16(1)
            + u16(kp["suite"])
            + kp["leaf"]["credential"]
            + kp["leaf"]["signature_key"]
            + vl(sig)
        )
        out.append((f"passive-client-welcome-identity-{i}", identity))
    return out


GENERATORS = {
    "client_material": seeds_client_material,
    "external_proposal": seeds_external_proposal,
    "group_info": seeds_group_info,
    "group_process": seeds_group_process,
    "group_state": seeds_group_state,
    "key_package": seeds_key_package,
    "leaf_node": seeds_leaf_node,
    "mls_message": seeds_mls_message,
    "private_message": seeds_private_message,
    "ratchet_tree": seeds_ratchet_tree,
    "tree_math": seeds_tree_math,
    "update_path": seeds_update_path,
    "varint": seeds_varint,
    "welcome": seeds_welcome,
    "wire_types": seeds_wire_types,
}


def file_name(label):
    if label.startswith("fix:"):
        return "seed-fix-" + label[4:]
    return "seed-vec-" + label.replace("_", "-")


def select(target, seeds):
    """Deduplicates `seeds` and names them; checks the caps."""
    seen, kept = set(), []
    for label, data in seeds:
        if data in seen or len(data) > MAX_LEN:
            continue
        seen.add(data)
        kept.append((file_name(label), data))
    if not kept:
        die(f"{target}: no seeds generated")
    if len(kept) > MAX_SEEDS:
        die(f"{target}: {len(kept)} seeds, more than {MAX_SEEDS}")
    names = [n for n, _ in kept]
    if len(set(names)) != len(names):
        die(f"{target}: duplicate seed names")
    return kept


def write_target(target, kept):
    """Replaces the `seed-vec-*` and `seed-fix-*` files of `target` with `kept`."""
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if old.name.startswith(OWNED_PREFIXES):
            old.unlink()
    for name, data in kept:
        (directory / name).write_bytes(data)


RUNNER_PER_SUITE = 2


def runner_seeds(dump):
    """{corpus directory: [(name, bytes)]} from a `--dump-messages` directory."""
    by_kind = {}
    for f in sorted(dump.iterdir()):
        parts = f.name.split("-")
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        data = f.read_bytes()
        if len(data) > MAX_LEN:
            continue
        by_kind.setdefault((parts[0], int(parts[1])), []).append((f.name, data))

    def pick(kind, k=RUNNER_PER_SUITE, wire_format=None, body=False):
        out = []
        for (kd, suite_id), items in sorted(by_kind.items()):
            if kd != kind:
                continue
            chosen = []
            for name, data in sorted(items, key=lambda x: (len(x[1]), x[0])):
                if wire_format is not None:
                    if len(data) < 4 or int.from_bytes(data[2:4], "big") != wire_format:
                        continue
                    if body:
                        data = data[4:]
                chosen.append((f"seed-run-{name}", data))
                if len(chosen) == k:
                    break
            out += chosen
        return out

    fuzz = REPO / "fuzz" / "corpus"
    diff = REPO / "fuzz-diff" / "corpus"
    messages = (
        pick("key_package", 1) + pick("welcome", 1) + pick("group_info", 1)
        + pick("commit", 1, PUBLIC) + pick("commit", 1, PRIVATE)
        + pick("proposal", 1, PUBLIC) + pick("proposal", 1, PRIVATE) + pick("ciphertext", 1)
    )
    private = (
        pick("commit", 1, PRIVATE, True) + pick("proposal", 1, PRIVATE, True)
        + pick("ciphertext", 1, PRIVATE, True)
    )
    return {
        fuzz / "mls_message": messages,
        fuzz / "key_package": pick("key_package", wire_format=KEY_PACKAGE, body=True),
        fuzz / "welcome": pick("welcome", wire_format=WELCOME, body=True),
        fuzz / "group_info": [(n, b"\x00" + d) for n, d in pick("group_info")],
        fuzz / "ratchet_tree": pick("ratchet_tree"),
        fuzz / "private_message": [(n, b"\x00" + d) for n, d in private],
        diff / "diff_key_package": pick("key_package"),
        diff / "diff_group_info": pick("group_info"),
    }


def main_runner(dump):
    if not dump.is_dir():
        die(f"runner dump directory {dump} not found (melos-interop-runner --dump-messages DIR)")
    plan = runner_seeds(dump)
    if not any(plan.values()):
        die(f"{dump}: no runner messages found")
    for directory, kept in plan.items():
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            if old.name.startswith("seed-run-"):
                old.unlink()
        for name, data in kept:
            (directory / name).write_bytes(data)
        total = sum(len(d) for _, d in kept)
        print(f"{directory.parent.parent.name}/{directory.name}: {len(kept)} runner seeds, {total} bytes")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--runner-dump":
        return main_runner(Path(sys.argv[2]))
    if len(sys.argv) > 2:
        die("usage: python3 tools/fuzz_seeds.py [VECTOR_DIR] | --runner-dump DUMP_DIR")
    if len(sys.argv) == 2:
        root = Path(sys.argv[1])
    elif os.environ.get("MELOS_TEST_VECTORS"):
        root = Path(os.environ["MELOS_TEST_VECTORS"])
    else:
        root = REPO.parent / "shared" / "test-vectors"
    if not root.is_dir():
        die(
            f"test vector directory {root} not found "
            "(pass it as an argument or set MELOS_TEST_VECTORS)"
        )
    vectors = Vectors(root)
    targets = sorted(p.stem for p in TARGETS.glob("*.rs"))
    for target in GENERATORS:
        if target not in targets:
            die(f"{target}: a seed generator for a target that does not exist")
    # Everything is generated before anything is written: an error changes no file.
    plan = []
    for target in targets:
        if target in SKIPPED:
            print(f"{target}: skipped ({SKIPPED[target]})")
            continue
        generator = GENERATORS.get(target)
        if generator is None:
            print(f"{target}: WARNING: no seed generator for this target", file=sys.stderr)
            continue
        plan.append((target, select(target, generator(vectors))))
    stems = sorted(vectors.cache, key=len, reverse=True)
    for target, kept in plan:
        write_target(target, kept)
        sources = sorted(
            {
                next((s for s in stems if n.startswith(f"seed-vec-{s.removesuffix('.json')}-")),
                     "fixture")
                for n, _ in kept
            }
        )
        total = sum(len(d) for _, d in kept)
        print(f"{target}: {len(kept)} seeds, {total} bytes ({', '.join(sources)})")


if __name__ == "__main__":
    main()
