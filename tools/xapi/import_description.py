#!/usr/bin/env python3
"""Reads 3CX's XAPI description (OpenAPI 3 YAML or JSON, as 3CX ships it with its XAPI
example application) and writes the compact, normalised facts the plugin is built from:

  schemas/xapi/operations.json  per operation: id, tag, method, path template, path
                                parameters with their OData types, the OData query options
                                it takes, If-Match, the request body schema (its $refs kept,
                                pointing into "components", which holds only the schemas
                                used), the response shape (collection, entity, none, file)
  schemas/xapi/guarded.json     the operations that need confirm: true, each with why

Usage: python3 tools/xapi/import_description.py <description.yaml> [<output folder>]
(default output folder: schemas/xapi of this repository). Fails, writing nothing, on what it
cannot normalise (a parameter type or a $ref it does not know), naming the operation.
"""
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - install-deps.sh installs python3-yaml
    yaml = None

HTTP_METHODS = ("get", "post", "patch", "put", "delete")
ODATA_OPTIONS = {"$top": "top", "$skip": "skip", "$search": "search", "$filter": "filter", "$count": "count",
                 "$orderby": "orderby", "$select": "select", "$expand": "expand"}
# Schema keywords kept: those that say what a valid value is. Titles, descriptions, examples
# and Microsoft's x-ms-* annotations are left out.
SCHEMA_KEYWORDS = ("type", "format", "nullable", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
                   "required", "properties", "items", "additionalProperties", "allOf", "anyOf", "oneOf", "$ref")
# An action whose name holds one of these words removes or overwrites what cannot be had back.
GUARD_WORDS = ("remove", "purge", "reset", "drop", "delete", "restore", "upgrade")


class ImportError_(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        return json.loads(text)
    if yaml is None:
        raise ImportError_("PyYAML is missing: bash cmake/install-deps.sh installs python3-yaml")
    return yaml.safe_load(text)


def resolve(doc, node, where):
    """Follows a local $ref (#/components/...) to what it names."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ImportError_(f"{where}: only local $refs are supported, got {ref}")
        target = doc
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                raise ImportError_(f"{where}: $ref {ref} names nothing")
            target = target[part]
        node = target
        seen += 1
        if seen > 32:
            raise ImportError_(f"{where}: $ref chain too long at {ref}")
    return node


def schema_name(ref, where):
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ImportError_(f"{where}: a schema $ref must point into #/components/schemas/, got {ref}")
    return ref[len(prefix):]


def normalise_schema(schema, used, where):
    """The schema with only the keywords that validate; every $ref it holds is recorded."""
    if not isinstance(schema, dict):
        raise ImportError_(f"{where}: a schema must be an object")
    out = {}
    for key in SCHEMA_KEYWORDS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "$ref":
            used.add(schema_name(value, where))
            out[key] = value
        elif key == "properties":
            out[key] = {name: normalise_schema(sub, used, f"{where}.{name}") for name, sub in value.items()}
        elif key in ("items",) or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = normalise_schema(value, used, f"{where}[]")
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [normalise_schema(sub, used, where) for sub in value]
        else:
            out[key] = value
    return out


def odata_type(doc, schema, where):
    """A path parameter's OData type, which decides how its value is written as a literal."""
    if "$ref" in schema:
        target = resolve(doc, schema, where)
        if "enum" in target:
            return {"type": "enum", "enum": list(target["enum"])}
        schema = target
    if "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        raise ImportError_(f"{where}: a path parameter of a composed type is not supported")
    t, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return {"type": "enum", "enum": list(schema["enum"])}
    table = {("string", None): "Edm.String", ("string", "date-time"): "Edm.DateTimeOffset",
             ("string", "uuid"): "Edm.Guid", ("string", "date"): "Edm.Date", ("integer", "int32"): "Edm.Int32",
             ("integer", "int64"): "Edm.Int64", ("integer", None): "Edm.Int64", ("boolean", None): "Edm.Boolean",
             ("number", "double"): "Edm.Double", ("number", None): "Edm.Double"}
    if (t, fmt) not in table:
        raise ImportError_(f"{where}: path parameter type {t}/{fmt} is not supported")
    return {"type": table[(t, fmt)]}


def member(doc, schema, name, where):
    """The schema of an object's member `name`, looking through $refs and allOf."""
    schema = resolve(doc, schema, where)
    if name in schema.get("properties", {}):
        return schema["properties"][name]
    for part in schema.get("allOf", []):
        found = member(doc, part, name, where)
        if found is not None:
            return found
    return None


def response_shape(doc, op, where):
    responses = op.get("responses", {})
    success = [code for code in responses if str(code).startswith("2")]
    if not success:
        raise ImportError_(f"{where}: no 2xx response")
    for code in sorted(success, key=str):
        ref = responses[code].get("$ref", "") if isinstance(responses[code], dict) else ""
        response = resolve(doc, responses[code], where)
        content = response.get("content") or {}
        if not content:
            continue
        for media, body in content.items():
            if "json" not in media:
                return "file"
            schema = body.get("schema") or {}
            if schema.get("type") == "string" and schema.get("format") == "binary":
                return "file"
            if ref.endswith("CollectionResponse"):
                return "collection"
            value = member(doc, schema, "value", where)
            if isinstance(value, dict) and resolve(doc, value, where).get("type") == "array":
                return "collection"
            return "entity"
    return "none"


def words(operation_id):
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", operation_id)]


def readable(operation_id):
    return " ".join(w if w.isupper() and len(w) > 1 else w.capitalize()
                    for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", operation_id))


def guard_reason(op):
    if op["method"] == "DELETE":
        return "DELETE removes the entity"
    if op["method"] == "GET":
        return None
    said = [w for w in words(op["id"]) if any(w.startswith(g) for g in GUARD_WORDS)]
    if said:
        return f"its name says {said[0]}"
    return None


def import_description(doc):
    if not isinstance(doc, dict) or "paths" not in doc:
        raise ImportError_("not an OpenAPI description: no paths")
    used = set()
    operations = []
    ids = set()
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            op_id = op.get("operationId")
            where = f"{method.upper()} {path}"
            if not op_id:
                raise ImportError_(f"{where}: no operationId")
            if op_id in ids:
                raise ImportError_(f"{where}: operationId {op_id} is not unique")
            ids.add(op_id)
            where = f"{op_id} ({where})"
            tags = op.get("tags") or ["Default"]
            out = {"id": op_id, "name": readable(op_id), "tag": tags[0], "method": method.upper(), "path": path}
            if op.get("summary"):
                out["summary"] = op["summary"]
            kind = op.get("x-ms-docs-operation-type")
            if kind:
                out["kind"] = kind
            params, query, if_match = [], [], False
            for raw in shared + op.get("parameters", []):
                p = resolve(doc, raw, where)
                name, place = p.get("name"), p.get("in")
                if not isinstance(name, str):  # YAML reads an unquoted `on` or `yes` as a boolean
                    raise ImportError_(f"{where}: a parameter's name must be a string, got {name!r}")
                if place == "path":
                    entry = {"name": name}
                    entry.update(odata_type(doc, p.get("schema", {}), f"{where} parameter {name}"))
                    if p.get("description"):
                        entry["description"] = p["description"]
                    params.append(entry)
                elif place == "query":
                    if name not in ODATA_OPTIONS:
                        raise ImportError_(f"{where}: query parameter {name} is not an OData query option")
                    query.append(ODATA_OPTIONS[name])
                elif place == "header":
                    if name != "If-Match":
                        raise ImportError_(f"{where}: header {name} is not supported")
                    if_match = True
                else:
                    raise ImportError_(f"{where}: parameter {name} in {place} is not supported")
            # Path parameters in the order the path gives them (an OData function's order).
            order = re.findall(r"\{([^}]+)\}", path)
            by_name = {p["name"]: p for p in params}
            if sorted(order) != sorted(by_name):
                raise ImportError_(f"{where}: the path's placeholders {order} and its parameters {sorted(by_name)} differ")
            out["params"] = [by_name[n] for n in order]
            out["query"] = query
            out["ifMatch"] = if_match
            if "requestBody" in op:
                body = resolve(doc, op["requestBody"], where)
                content = body.get("content", {})
                media = next((m for m in content if "json" in m), None)
                if media is None:
                    raise ImportError_(f"{where}: a request body that is not JSON is not supported")
                out["body"] = {"required": bool(body.get("required", False)),
                               "schema": normalise_schema(content[media].get("schema", {}), used, f"{where} body")}
            out["response"] = response_shape(doc, op, where)
            reason = guard_reason(out)
            if reason:
                out["guarded"] = True
            operations.append((out, reason))
    # The schemas the bodies use, and those they use in turn.
    components = {}
    pending = sorted(used)
    while pending:
        name = pending.pop()
        if name in components:
            continue
        raw = resolve(doc, {"$ref": "#/components/schemas/" + name}, f"schema {name}")
        more = set()
        components[name] = normalise_schema(raw, more, f"schema {name}")
        pending.extend(sorted(more - set(components)))
    info = doc.get("info", {})
    facts = {"source": {"title": info.get("title", ""), "version": info.get("version", ""),
                        "openapi": doc.get("openapi", "")},
             "operations": [o for o, _ in operations],
             "components": {"schemas": dict(sorted(components.items()))}}
    guarded = {o["id"]: reason for o, reason in operations if reason}
    return facts, guarded


def dump(value):
    """One operation, one component per line: small diffs when the description changes."""
    lines = ["{", f'  "source": {json.dumps(value["source"], ensure_ascii=False)},', '  "operations": [']
    ops = value["operations"]
    for i, op in enumerate(ops):
        lines.append("    " + json.dumps(op, ensure_ascii=False, separators=(",", ":")) + ("," if i + 1 < len(ops) else ""))
    lines.append("  ],")
    lines.append('  "components": {"schemas": {')
    items = list(value["components"]["schemas"].items())
    for i, (name, schema) in enumerate(items):
        lines.append(f"    {json.dumps(name)}: " + json.dumps(schema, ensure_ascii=False, separators=(",", ":")) +
                     ("," if i + 1 < len(items) else ""))
    lines.append("  }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out_dir = argv[2] if len(argv) == 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "xapi")
    try:
        facts, guarded = import_description(load(argv[1]))
    except (ImportError_, OSError, ValueError) as e:
        print(f"import_description: {e}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    write(os.path.join(out_dir, "operations.json"), dump(facts))
    write(os.path.join(out_dir, "guarded.json"), json.dumps(guarded, indent=1, sort_keys=True) + "\n")
    print(f"import_description: {len(facts['operations'])} operations, {len(facts['components']['schemas'])} schemas, "
          f"{len(guarded)} guarded, written to {os.path.normpath(out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
