// Package configdoc generates docs/config.md, the reference of siegel.toml, from
// provider.Config itself: every key with its TOML type, its default from
// provider.DefaultConfig and its comment tag, and the annotated default file as
// (*provider.Config).Marshal writes it. A test compares the result with the
// committed file, so the reference cannot drift from the code. Regenerate it
// from the module root with
//
//	go run ./internal/provider/configdoc/cmd/configdoc docs/config.md
package configdoc

import (
	"bytes"
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/siegel-mail/siegel/internal/provider"
)

// Command is how to regenerate docs/config.md, run from the module root.
const Command = "go run ./internal/provider/configdoc/cmd/configdoc docs/config.md"

// setByInit names the keys DefaultConfig leaves empty for siegel init to fill,
// with the flag that does.
var setByInit = map[string]string{
	"domain": "--domain",
	"name":   "--name",
}

// Key is one leaf of the configuration: a TOML key that holds a value.
type Key struct {
	Path    string // dotted, such as "login.lock_base"
	Type    string // TOML type: string, integer, float, boolean, array of …
	Default string // the value in DefaultConfig, in TOML
	Comment string // the field's comment tag
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// Keys lists every leaf of provider.Config in file order, with its default.
func Keys() ([]Key, error) {
	var out []Key
	err := walk(reflect.ValueOf(provider.DefaultConfig()), "", &out)
	return out, err
}

func walk(v reflect.Value, prefix string, out *[]Key) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("toml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct && !isText(sf.Type) {
			if err := walk(fv, prefix, out); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		path := prefix + name
		if sf.Type.Kind() == reflect.Struct && !isText(sf.Type) && sf.Type != reflect.TypeFor[time.Time]() {
			if err := walk(fv, path+".", out); err != nil {
				return err
			}
			continue
		}
		typ, err := tomlType(sf.Type)
		if err != nil {
			return fmt.Errorf("configdoc: %s: %w", path, err)
		}
		def, err := tomlValue(fv.Interface())
		if err != nil {
			return fmt.Errorf("configdoc: %s: %w", path, err)
		}
		*out = append(*out, Key{Path: path, Type: typ, Default: def, Comment: sf.Tag.Get("comment")})
	}
	return nil
}

func isText(t reflect.Type) bool {
	return t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)
}

var durationType = reflect.TypeFor[provider.Duration]()

// tomlType names the TOML type a Go type is written as.
func tomlType(t reflect.Type) (string, error) {
	switch {
	case t == durationType:
		return "string (duration)", nil
	case t == reflect.TypeFor[time.Time]():
		return "datetime", nil
	case isText(t):
		return "string", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", nil
	case reflect.Float32, reflect.Float64:
		return "float", nil
	case reflect.Slice, reflect.Array:
		e, err := tomlType(t.Elem())
		if err != nil {
			return "", err
		}
		return "array of " + e, nil
	case reflect.Map:
		return "table", nil
	}
	return "", fmt.Errorf("no TOML type for %s", t)
}

// tomlValue renders v as go-toml writes it in the config file.
func tomlValue(v any) (string, error) {
	b, err := toml.Marshal(struct {
		V any `toml:"v"`
	}{v})
	if err != nil {
		return "", err
	}
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "v = ")
	if !ok {
		return "", fmt.Errorf("unexpected TOML %q", b)
	}
	return s, nil
}

// Markdown generates docs/config.md.
func Markdown() ([]byte, error) {
	keys, err := Keys()
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, k := range keys {
		present[k.Path] = true
	}
	for k := range setByInit {
		if !present[k] {
			return nil, fmt.Errorf("configdoc: setByInit names %s, which is not a key of provider.Config", k)
		}
	}
	c := provider.DefaultConfig()
	example, err := c.Marshal()
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `# Siegel configuration

<!-- Generated from provider.Config by `+"`%s`"+`. Do not edit by hand. -->

A provider's settings are the file `+"`%s`"+` in its data folder, written in
[TOML](https://toml.io). `+"`siegel init --dir DIR --domain DOMAIN --name NAME`"+`
creates it with the defaults below, the domain and name filled in, `+"`listen`"+`
from `+"`--listen`"+` and `+"`public_url`"+` as `+"`https://`"+` and that address. A key the
file does not set keeps its default; a key Siegel does not know is an error.

- Paths are relative to the data folder.
- Durations are strings in Go's syntax: `+"`\"90s\"`"+`, `+"`\"15m\"`"+`, `+"`\"1h30m\"`"+`. Defaults are shown as Siegel writes them, such as `+"`'1m0s'`"+`.

## Keys

| Key | Type | Default | Description |
|---|---|---|---|
`, Command, provider.ConfigFile)
	for _, k := range keys {
		def := "`" + k.Default + "`"
		if flag, ok := setByInit[k.Path]; ok {
			def += " (set by `siegel init " + flag + "`)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Path, k.Type, def, escape(k.Comment))
	}
	fmt.Fprintf(&b, "\n## Example\n\nThe defaults in the form `siegel init` writes, as `(*Config).Marshal` renders them. "+
		"`domain` and `name` are empty here: `siegel init --domain --name` sets them.\n\n```toml\n%s```\n", example)
	return b.Bytes(), nil
}

// escape makes text safe in a Markdown table cell.
func escape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}
