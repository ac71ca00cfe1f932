package api_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// wantErr checks that err is an API error with the status, code and field.
func wantErr(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want API error %d %s (field %q), got %v", status, code, field, err)
	}
	if ce.Status != status || ce.Code != code || ce.Field != field {
		t.Fatalf("want %d %s field %q, got %d %s field %q: %s", status, code, field, ce.Status, ce.Code, ce.Field, ce.Message)
	}
	if ce.Message == "" {
		t.Fatalf("error %s has no message", code)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
