"""template.yaml as CloudFormation reads it: short-form tags (`!Ref x`, `!GetAtt A.B`, `!Sub …`)
become the long forms (`{"Ref": "x"}`, `{"Fn::GetAtt": ["A", "B"]}`, `{"Fn::Sub": …}`) that SAM's
translator and the bootstrap both expect. Standard library and PyYAML only, so LocalStack's init
hook can use it too."""
import yaml


class IntrinsicLoader(yaml.SafeLoader):
    """A YAML loader that knows CloudFormation's short-form tags."""


def _construct_intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + suffix: value}


IntrinsicLoader.add_multi_constructor("!", _construct_intrinsic)


def load(text):
    return yaml.load(text, Loader=IntrinsicLoader)


YAMLError = yaml.YAMLError
