#!/usr/bin/env python3
"""Generates, at build time, what the plugin embeds for the generic 3CX node (threecx.xapi)
from the committed facts (schemas/xapi/operations.json, written by import_description.py):

  threecxXapi.json     the node's parameter schema: resource (the tag), operation (the
                       operationId, with a readable name), every path parameter at the top
                       level under its name (shown for the operations that have it), body,
                       ifMatch, confirm, and options named as Download Chat History names them
                       (their definitions copied from its schema, so the two cannot drift)
  xapiOperations.json  the operation table the node reads: the facts' operations and
                       components, without what only a form needs

Usage: generate_node.py <operations.json> <downloadChatHistory.json> <output folder>
"""
import json
import os
import re
import sys

from import_description import readable

# Copied from Download Chat History's options, under the same names.
SHARED_OPTIONS = ["top", "skip", "search", "filter", "count", "select", "orderby", "expand", "returnAll", "pageSize",
                  "concurrency", "maxTries", "retryDelayMs", "retryMaxDelayMs", "retryBudgetS", "requestTimeoutS"]
# Top-level names of the node's own; a path parameter may not take one.
OWN = ("resource", "operation", "body", "ifMatch", "confirm", "options")
JSON_TYPE = {"Edm.String": "string", "Edm.DateTimeOffset": "string", "Edm.Guid": "string", "Edm.Date": "string",
             "enum": "string", "Edm.Int32": "integer", "Edm.Int64": "integer", "Edm.Double": "number",
             "Edm.Boolean": "boolean"}


def fail(message):
    print(f"generate_node: {message}", file=sys.stderr)
    sys.exit(1)


# Abbreviations in 3CX's names, as people write them.
ABBREVIATIONS = {"Id": "ID", "Ids": "IDs", "Crm": "CRM", "Cdr": "CDR", "Did": "DID", "Pbx": "PBX", "Sip": "SIP",
                 "Sla": "SLA", "Mcp": "MCP", "Sbc": "SBC", "Sbcs": "SBCs", "Fxs": "FXS", "Dn": "DN", "Dns": "DNs",
                 "Ip": "IP", "Ips": "IPs", "Url": "URL", "Json": "JSON", "Mac": "MAC"}


def label(name):
    """A name for people: the words of a tag, operation or parameter name ("WebsiteLinks",
    "clientTimeZone", "call_id"), each capitalised, abbreviations as written ("Call ID")."""
    words = " ".join(ABBREVIATIONS.get(w, w) for w in readable(name).split(" "))
    return words.replace("O Auth", "OAuth").replace("E 164", "E164")


def generate(facts, chat_schema):
    ops = facts["operations"]
    tags = sorted({o["tag"] for o in ops})
    # Operations are offered per resource: an editor shows the operations of the resource
    # chosen ("x-choices-by": the field and, for each choice, the value of it it belongs to).
    props = {
        "resource": {"title": "Resource", "description": "What the operation works on (the tag of 3CX's XAPI description).",
                     "type": "string", "enum": tags, "default": ops[0]["tag"], "x-enum-names": [label(t) for t in tags],
                     "x-n8n-type": "options"},
        "operation": {"title": "Operation", "description": "The XAPI operation (its operationId) on the resource.",
                      "type": "string", "enum": [o["id"] for o in ops], "default": ops[0]["id"],
                      "x-enum-names": [label(o["name"]) for o in ops], "x-enum-descriptions": [o["summary"] for o in ops],
                      "x-choices-by": {"field": "resource", "values": [o["tag"] for o in ops]}, "x-n8n-type": "options"},
    }
    order = ["resource", "operation"]
    # Path parameters: one field per name, shown for the operations that have it; its type is
    # each of the types those operations give it (the node checks the operation's own).
    users, types = {}, {}
    for o in ops:
        for p in o["params"]:
            if p["name"] in OWN:
                fail(f'{o["id"]}: path parameter {p["name"]} has the name of one of the node\'s own fields')
            users.setdefault(p["name"], []).append(o["id"])
            types.setdefault(p["name"], set()).add(p["type"])
    for name in sorted(users, key=str.lower):
        json_types = sorted({JSON_TYPE[t] for t in types[name]})
        n8n = "string" if "string" in json_types else "number" if json_types[0] in ("integer", "number") else "boolean"
        field = {"title": label(name), "description": f"Written into the path as an OData literal of the operation's "
                                                      f"type ({', '.join(sorted(types[name]))}).",
                 "type": json_types[0] if len(json_types) == 1 else json_types, "x-n8n-type": n8n,
                 "x-show-when": {"operation": users[name]}}
        if "string" in json_types:
            field["maxLength"] = 2048
        props[name] = field
        order.append(name)
    with_body = [o["id"] for o in ops if "body" in o]
    props["body"] = {"title": "Body", "description": "The request body as JSON; validated against the operation's schema "
                                                    "(3CX's, with its nested objects) before anything is sent.",
                     "type": ["object", "string"], "x-json-string": True, "x-n8n-type": "json", "x-rows": 5,
                     "x-show-when": {"operation": with_body}}
    props["ifMatch"] = {"title": "If-Match", "description": "The ETag the entity must still have; * (the default) "
                                                           "matches any version.", "type": "string", "default": "*",
                        "minLength": 1, "maxLength": 256, "x-query-value": True, "x-n8n-type": "string",
                        "x-show-when": {"operation": [o["id"] for o in ops if o["ifMatch"]]}}
    props["confirm"] = {"title": "Confirm", "description": "Allow an operation that removes, purges, resets, drops, "
                                                          "restores over or upgrades (every DELETE among them; the README "
                                                          "lists them), which is refused without it.", "type": "boolean", "default": False,
                        "x-n8n-type": "boolean", "x-show-when": {"operation": [o["id"] for o in ops if o["method"] != "GET"]}}
    order += ["body", "ifMatch", "confirm", "options"]
    chat = chat_schema["properties"]["options"]["properties"]
    options = {name: dict(chat[name]) for name in SHARED_OPTIONS}
    options["top"]["description"] = "Show only the first n items (a collection's $top)."
    options["filter"]["description"] = "Filter items by property values (an OData expression, e.g. Number eq '100')."
    options["filter"]["x-placeholder"] = "Number eq '100'"
    options["select"]["x-placeholder"] = "Name,Number"
    options["orderby"]["description"] = "Order items by property values (comma-separated list, e.g. Number desc)."
    options["orderby"]["x-placeholder"] = "Number desc"
    options["returnAll"]["description"] = ("A collection only: fetch every matching entity, page after page by "
                                           "$skip/$top (follows @odata.nextLink). Top, when set, caps the total.")
    options["concurrency"]["description"] = "Pages in flight at once under Return All, each on its own connection."
    options["dryRun"] = {"title": "Dry Run", "description": "Print the exact request (method, path, query, headers, body) "
                                                          "and send nothing. Editor forms start with it on.",
                         "type": "boolean", "default": False, "x-form-default": True, "x-n8n-type": "boolean"}
    option_order = SHARED_OPTIONS[:10] + ["dryRun"] + SHARED_OPTIONS[10:]
    props["options"] = {"title": "Options", "description": "The OData query options of a collection (for the "
                                                          "operations that take them), Return All, Dry Run and retries.",
                        "type": "object", "default": {}, "additionalProperties": False, "x-n8n-type": "collection",
                        "x-placeholder": "Add option", "x-order": option_order,
                        "properties": {k: options[k] for k in option_order}}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:wfnode:threecx.xapi:parameters",
              "title": "3CX", "description": f'Every operation of 3CX\'s XAPI ({facts["source"]["title"]} '
                                              f'{facts["source"]["version"]}, {len(ops)} operations under {len(tags)} resources).',
              "type": "object", "x-effect": "delete", "required": ["resource", "operation"],
              "additionalProperties": False, "x-order": order, "properties": props}
    table = {"operations": [{k: v for k, v in o.items() if k not in ("summary", "name")} for o in ops],
             "components": facts["components"]}
    for o in table["operations"]:
        for p in o["params"]:
            p.pop("description", None)
    return schema, table


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        facts = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        chat = json.load(f)
    schema, table = generate(facts, chat)
    os.makedirs(argv[3], exist_ok=True)
    for name, value in (("threecxXapi.json", schema), ("xapiOperations.json", table)):
        path = os.path.join(argv[3], name)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        # Written only when it changed: the plugin is not rebuilt for nothing.
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
