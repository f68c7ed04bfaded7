package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The key tree is read from Config's yaml tags, so the YAML decoder, the
// environment, --set and the README test all agree on one list of keys.

// field is one yaml-tagged struct field, with inline fields flattened.
type field struct {
	name   string
	index  []int
	scalar bool // holds the value when the section is written as a plain scalar
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("yaml")
		if !ok || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "inline" {
			for _, f := range fieldsOf(sf.Type) {
				f.index = append([]int{i}, f.index...)
				out = append(out, f)
			}
			continue
		}
		out = append(out, field{name: name, index: []int{i}, scalar: sf.Tag.Get("config") == "scalar"})
	}
	return out
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// isSection reports whether t is a struct of keys rather than one value.
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// Key is one setting: its dotted path and its environment variable.
type Key struct {
	Path string
	Env  string
}

// EnvName returns the environment variable for a key path.
func EnvName(path string) string {
	return "MARKETD_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// Keys lists every key that takes a single value (lists of sections, such
// as schedule jobs, are set in the file only), in declaration order.
func Keys() []Key {
	var keys []Key
	c := Default()
	walkLeaves(reflect.ValueOf(&c).Elem(), "", func(path string, _ reflect.Value) {
		keys = append(keys, Key{Path: path, Env: EnvName(path)})
	})
	return keys
}

// walkLeaves calls fn for every single-valued key under v.
func walkLeaves(v reflect.Value, path string, fn func(path string, v reflect.Value)) {
	if !isSection(v.Type()) {
		if v.Kind() == reflect.Slice && isSection(v.Type().Elem()) {
			return
		}
		fn(path, v)
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		p := join(path, f.name)
		if f.scalar {
			p = path
		}
		walkLeaves(v.FieldByIndex(f.index), p, fn)
	}
}

// sectionLists returns the keys that hold lists of sections
// (schedule.jobs, calendar_overrides): only the file can write them.
func sectionLists() []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for _, f := range fieldsOf(t) {
			p := join(path, f.name)
			if f.scalar {
				p = path
			}
			switch ft := t.FieldByIndex(f.index).Type; {
			case ft.Kind() == reflect.Slice && isSection(ft.Elem()):
				out = append(out, p)
			case isSection(ft):
				walk(ft, p)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return out
}

// inSectionList returns the list of sections that key is, or is inside
// (schedule.jobs[0].cron), so that --set can say why it cannot be set.
func inSectionList(key string) (string, bool) {
	for _, list := range sectionLists() {
		if key == list || strings.HasPrefix(key, list+"[") || strings.HasPrefix(key, list+".") {
			return list, true
		}
	}
	return "", false
}

// lookup finds the value of a key path under v.
func lookup(v reflect.Value, path string) (reflect.Value, bool) {
	var found reflect.Value
	walkLeaves(v, "", func(p string, lv reflect.Value) {
		if p == path {
			found = lv
		}
	})
	return found, found.IsValid()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// setString parses s into the single-valued key v. The file, the
// environment and flags all go through it, so a value means the same
// wherever it is written.
func setString(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid duration %q: want e.g. 10s, 3m or 1h30m", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("invalid number %q", s)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid boolean %q: want true or false", s)
		}
		v.SetBool(b)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot be set from a string")
		}
		// A comma-separated list, the form lists take in the environment.
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}
