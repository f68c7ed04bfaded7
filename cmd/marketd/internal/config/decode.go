package config

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// decodeNode walks a YAML node alongside the Config struct. yaml.v3 parses
// the file; the walk is ours because yaml.v3's KnownFields errors name a Go
// type ("field rat not found in type config.Yahoo") where an operator needs
// the key path and line (marketd.yaml:7: unknown key "sources.yahoo.rat").
// Keys absent from the file keep their defaults; an empty value (key:) too.
func decodeNode(n *yaml.Node, v reflect.Value, path string, set func(path string, line int)) error {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return decodeNode(n.Content[0], v, path, set)
	}
	if n.Kind == yaml.AliasNode {
		return decodeNode(n.Alias, v, path, set)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	t := v.Type()
	switch {
	case isSection(t):
		return decodeSection(n, v, path, set)
	case t.Kind() == reflect.Slice && isSection(t.Elem()):
		if n.Kind != yaml.SequenceNode {
			return atLine(n.Line, "%s: want a list", path)
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := decodeNode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), set); err != nil {
				return err
			}
		}
		v.Set(s)
		set(path, n.Line)
		return nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		if n.Kind != yaml.SequenceNode {
			return atLine(n.Line, "%s: want a list of strings", path)
		}
		items := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return atLine(item.Line, "%s: want a list of strings", path)
			}
			items = append(items, item.Value)
		}
		v.Set(reflect.ValueOf(items))
		set(path, n.Line)
		return nil
	case t.Kind() == reflect.Map:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			return atLine(n.Line, "%s: %w", path, err)
		}
		set(path, n.Line)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return atLine(n.Line, "%s: want a single value, not a %s", path, kindName(n.Kind))
	}
	if err := setString(v, n.Value); err != nil {
		return atLine(n.Line, "%s: %w", path, err)
	}
	set(path, n.Line)
	return nil
}

// lineError is a problem at a line of the file. Load puts the file's name
// in front, so that it reads FILE:LINE: KEY: message, as the checks'
// errors on values from the file do.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

func atLine(line int, format string, args ...any) error {
	return &lineError{line: line, err: fmt.Errorf(format, args...)}
}

func decodeSection(n *yaml.Node, v reflect.Value, path string, set func(string, int)) error {
	fields := fieldsOf(v.Type())
	if n.Kind == yaml.ScalarNode {
		for _, f := range fields {
			if f.scalar {
				return decodeNode(n, v.FieldByIndex(f.index), path, set)
			}
		}
	}
	if n.Kind != yaml.MappingNode {
		return atLine(n.Line, "%s: want a mapping of keys, not a %s", orTop(path), kindName(n.Kind))
	}
	// yaml.v3 leaves repeated keys in a Node for us to judge; left alone,
	// the last would silently win over a value the operator may be reading.
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		var match *field
		for j := range fields {
			if fields[j].name == k.Value {
				match = &fields[j]
				break
			}
		}
		if match == nil {
			return atLine(k.Line, "unknown key %q", join(path, k.Value))
		}
		p := join(path, match.name)
		if match.scalar {
			p = path // database.url is the key "database"
		}
		if first, ok := seen[match.name]; ok {
			return atLine(k.Line, "%s: written twice (first at line %d)", p, first)
		}
		seen[match.name] = k.Line
		if err := decodeNode(val, v.FieldByIndex(match.index), p, set); err != nil {
			return err
		}
	}
	return nil
}

func orTop(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	}
	return "document"
}
