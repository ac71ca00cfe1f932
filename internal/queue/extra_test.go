package queue_test

import (
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
)

func extraStores(t *testing.T, fn func(t *testing.T, s store.Store)) {}
