"""The API documentation page's read model: the operations of the OpenAPI document, flattened
for a server-rendered page (Relay serves no Swagger UI: no CDN, no inline script)."""

from dataclasses import dataclass, field

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    tag: str
    anchor: str
    parameters: list[Parameter] = field(default_factory=list)
    body: list[Parameter] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/components/schemas/"):
        return schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return node


def _type(schema: dict, node: dict) -> str:
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[1]
    if "anyOf" in node:
        kinds = [_type(schema, item) for item in node["anyOf"]]
        return " or ".join(kind for kind in kinds if kind)
    if "enum" in node:
        return "one of " + ", ".join(str(value) for value in node["enum"])
    kind = node.get("type", "")
    if kind == "array":
        return f"list of {_type(schema, node.get('items', {}))}"
    if node.get("format"):
        return f"{kind} ({node['format']})"
    return kind


def _body_fields(schema: dict, operation: dict) -> list[Parameter]:
    content = operation.get("requestBody", {}).get("content", {})
    body = _resolve(schema, content.get("application/json", {}).get("schema", {}))
    required = set(body.get("required", []))
    fields = []
    for name, node in body.get("properties", {}).items():
        fields.append(
            Parameter(
                name=name,
                location="body",
                required=name in required,
                type=_type(schema, node),
                description=node.get("description", ""),
            )
        )
        nested = _resolve(schema, node)
        if nested is not node:
            for sub, subnode in nested.get("properties", {}).items():
                fields.append(
                    Parameter(
                        name=f"{name}.{sub}",
                        location="body",
                        required=sub in set(nested.get("required", [])),
                        type=_type(schema, subnode),
                        description=subnode.get("description", ""),
                    )
                )
    return fields


def operations(schema: dict) -> list[Operation]:
    """Every operation of an OpenAPI document, in path order."""
    found = []
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                Parameter(
                    name=parameter["name"],
                    location=parameter.get("in", ""),
                    required=bool(parameter.get("required")),
                    type=_type(schema, parameter.get("schema", {})),
                    description=parameter.get("description", "")
                    or parameter.get("schema", {}).get("description", ""),
                )
                for parameter in operation.get("parameters", [])
            ]
            responses = [
                (
                    code,
                    _type(
                        schema,
                        body.get("content", {}).get("application/json", {}).get("schema", {}),
                    )
                    or body.get("description", ""),
                )
                for code, body in sorted(operation.get("responses", {}).items())
            ]
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    tag=(operation.get("tags") or [""])[0],
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    parameters=parameters,
                    body=_body_fields(schema, operation),
                    responses=responses,
                )
            )
    return found
