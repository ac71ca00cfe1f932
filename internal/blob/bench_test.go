package blob_test

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/siegel-mail/siegel/internal/blob"
)

// The Put benchmarks write to b.TempDir(): on a tmpfs, fsync and syncfs cost
// nothing and the numbers say nothing about a disk. Each Put writes new content
// (a counter in the first bytes), since a repeated one would be skipped.

func benchPut(b *testing.B, syncEvery int, fileByFile bool) {
	f := openFS(b, b.TempDir(), newKey(b))
	if fileByFile {
		blob.FlushFileByFile(f)
	}
	data := make([]byte, 5<<10)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(data, uint64(i))
		if _, err := f.Put(b.Context(), data); err != nil {
			b.Fatal(err)
		}
		if (i+1)%syncEvery == 0 {
			if err := f.Sync(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := f.Sync(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

// BenchmarkFSPut5KiB: grouped commit, one Sync per 64 Puts.
func BenchmarkFSPut5KiB(b *testing.B) { benchPut(b, 64, false) }

// BenchmarkFSPutSyncEach: a Sync after every Put, what grouping saves.
func BenchmarkFSPutSyncEach(b *testing.B) { benchPut(b, 1, false) }

// The same two over the fsync-each-file Sync of systems without syncfs.
func BenchmarkFSPut5KiBFileByFile(b *testing.B)     { benchPut(b, 64, true) }
func BenchmarkFSPutSyncEachFileByFile(b *testing.B) { benchPut(b, 1, true) }

// BenchmarkFSPutSyncParallel: many concurrent accepts, each Put and Sync, as
// letter submissions do; concurrent Syncs share flushes.
func BenchmarkFSPutSyncParallel(b *testing.B) {
	f := openFS(b, b.TempDir(), newKey(b))
	var flushes, n atomic.Int64
	blob.SetFlushAll(f, func(real func() error) error {
		flushes.Add(1)
		if real == nil {
			return nil
		}
		return real()
	})
	b.SetParallelism(16)
	b.SetBytes(5 << 10)
	b.RunParallel(func(pb *testing.PB) {
		data := make([]byte, 5<<10)
		rand.Read(data)
		for pb.Next() {
			binary.LittleEndian.PutUint64(data, uint64(n.Add(1)))
			if _, err := f.Put(b.Context(), data); err != nil {
				b.Error(err)
				return
			}
			if err := f.Sync(b.Context()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
	b.ReportMetric(float64(flushes.Load())/float64(b.N), "flushes/put")
}

func BenchmarkGet5KiB(b *testing.B) {
	f := openFS(b, b.TempDir(), newKey(b))
	data := make([]byte, 5<<10)
	rand.Read(data)
	id, err := f.Put(b.Context(), data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := f.Get(b.Context(), id); err != nil {
			b.Fatal(err)
		}
	}
}
