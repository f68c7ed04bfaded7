package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultPath is the file read when --config is not given, if it exists.
const DefaultPath = "marketd.yaml"

// testEnvPrefix marks variables that belong to the test suites
// (MARKETD_TEST_MYSQL), not to the configuration.
const testEnvPrefix = "MARKETD_TEST_"

// Options says where Load finds the configuration.
type Options struct {
	// Path is the YAML file. Empty means DefaultPath if it exists, else
	// defaults only. A Path given explicitly must exist.
	Path string
	// Environ is the process environment as os.Environ returns it.
	Environ []string
	// Overrides are key=value pairs from flags; they win over the file and
	// the environment.
	Overrides map[string]string
}

// Load builds the configuration: defaults, then the file, then the
// environment, then the flags, then checks every value. Errors name the key
// and where its value came from; a file name may be printed, a value that
// may hold a secret is not.
func Load(opts Options) (Config, error) { return load(opts, nil) }

// LoadSections loads only the keys under the named top-level sections
// from the same file, environment and flags as Load; every other key keeps
// its default and is not even read. An alert about a daemon that a bad
// configuration stopped uses it: the mistake elsewhere in the file must
// not silence the mail.
func LoadSections(opts Options, sections ...string) (Config, error) {
	return load(opts, func(key string) bool {
		top, _, _ := strings.Cut(key, ".")
		top, _, _ = strings.Cut(top, "[")
		for _, s := range sections {
			if top == s {
				return true
			}
		}
		return false
	})
}

// load is Load reading only the keys keep accepts (nil: all).
func load(opts Options, keep func(key string) bool) (Config, error) {
	cfg := Default()
	v := reflect.ValueOf(&cfg).Elem()
	origin := map[string]string{}

	path := opts.Path
	if path == "" {
		if _, err := os.Stat(DefaultPath); err == nil {
			path = DefaultPath
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return Config{}, fmt.Errorf("config file %s does not exist", path)
			}
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
		var doc yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, syntaxError(path, err)
		}
		if keep != nil {
			keepTopLevel(&doc, keep)
		}
		if doc.Kind != 0 { // an empty file (or only comments) keeps the defaults
			err = decodeNode(&doc, v, "", func(key string, line int) {
				origin[key] = fmt.Sprintf("%s:%d", path, line)
			})
			var le *lineError
			if errors.As(err, &le) {
				return Config{}, fmt.Errorf("%s:%d: %w", path, le.line, le.err)
			}
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", path, err)
			}
		}
	}

	if err := applyEnv(v, opts.Environ, origin, keep); err != nil {
		return Config{}, err
	}

	keys := make([]string, 0, len(opts.Overrides))
	for k := range opts.Overrides {
		if keep == nil || keep(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		lv, ok := lookup(v, k)
		if !ok {
			if list, ok := inSectionList(k); ok {
				return Config{}, fmt.Errorf("flag: %s is a list of sections: it can only be written in the config file", list)
			}
			return Config{}, fmt.Errorf("flag: unknown config key %q", k)
		}
		if err := setString(lv, opts.Overrides[k]); err != nil {
			return Config{}, fmt.Errorf("flag: %s: %w", k, err)
		}
		origin[k] = "flag"
	}

	if err := cfg.validate(origin); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// applyEnv sets every key whose MARKETD_* variable is set. A MARKETD_*
// variable that names no key is an error: a misspelt override that is
// silently ignored is worse than none.
func applyEnv(v reflect.Value, environ []string, origin map[string]string, keep func(string) bool) error {
	byEnv := map[string]string{}
	for _, k := range Keys() {
		byEnv[k.Env] = k.Path
	}
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "MARKETD_") || strings.HasPrefix(name, testEnvPrefix) {
			continue
		}
		key, ok := byEnv[name]
		if keep != nil && (!ok || !keep(key)) {
			continue
		}
		if !ok {
			for _, list := range sectionLists() {
				if env := EnvName(list); name == env || strings.HasPrefix(name, env+"_") {
					return fmt.Errorf("environment %s: %s is a list of sections: it can only be written in the config file", name, list)
				}
			}
			return fmt.Errorf("environment: %s is not a marketd setting (see the configuration table in README.md)", name)
		}
		lv, _ := lookup(v, key)
		if err := setString(lv, val); err != nil {
			return fmt.Errorf("environment %s: %s: %w", name, key, err)
		}
		origin[key] = "environment " + name
	}
	return nil
}

// keepTopLevel drops the top-level keys of a document that keep refuses.
func keepTopLevel(doc *yaml.Node, keep func(string) bool) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return // not a mapping: decodeNode says so
	}
	m := doc.Content[0]
	var kept []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if keep(m.Content[i].Value) {
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = kept
}

// syntaxError places a YAML syntax error in the file. yaml.v3 writes them
// "yaml: line N: message"; they read FILE:LINE: message here, as every
// other error in the file does.
func syntaxError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return fmt.Errorf("%s:%d: %s", path, line, text)
			}
		}
	}
	return fmt.Errorf("%s: %s", path, msg)
}

// ParseSets reads --set flags, KEY=VALUE each, into Options.Overrides.
func ParseSets(sets []string) (map[string]string, error) {
	overrides := make(map[string]string, len(sets))
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: want KEY=VALUE, e.g. --set sources.yahoo.rate=100/h", kv)
		}
		overrides[k] = v
	}
	return overrides, nil
}

// File names the configuration file a --config of path reads: path, or
// the default one, the only other place file-only settings come from.
func File(path string) string {
	if path != "" {
		return path
	}
	return DefaultPath
}
