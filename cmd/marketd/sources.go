package main

import (
	"strings"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/cmd/marketd/internal/config"
)

// siteNamed returns the site of source, or a usage error naming arg (the
// flag or argument that gave it) and the sources there are.
func siteNamed(arg, source string) (config.Site, error) {
	all := config.Sources{}.Sites()
	names := make([]string, len(all))
	for i, s := range all {
		if s.Name == source {
			return s, nil
		}
		names[i] = s.Name
	}
	if source == "" {
		return config.Site{}, cli.Usagef("%s is required: %s", arg, strings.Join(names, " or "))
	}
	return config.Site{}, cli.Usagef("%s %q: want %s", arg, source, strings.Join(names, " or "))
}

// checkSource checks a --source.
func checkSource(source string) error {
	_, err := siteNamed("--source", source)
	return err
}
