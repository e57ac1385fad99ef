// goalloc: an x86-64 Go program for test/arm64/emulator-suite.sh. It
// allocates slices of several sizes (three of 16 MiB or more), fills them
// from goroutines, collects garbage, maps memory with syscall.Mmap and no
// hint, and prints:
//   - deterministic lines ("sum ...", "result ..."): identical on every run
//     and under every emulator, with or without a window;
//   - one "addr=0x... kind=... size=..." line per address it received (heap
//     objects through unsafe.Pointer, and the mmaps). The Go runtime packs
//     pointers into 48-bit words (lfstack, tagged pointers): an address at or
//     above 2^47 is the bug the window prevents.
//
// Exit status 0 unless a check fails.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Round 0 keeps three big slices (16, 24, 32 MiB: the runtime maps each
// span fresh) live; round 1 allocates small ones after a GC, from reused
// spans.
var sizes = [][]int{{4 << 10, 64 << 10, 1 << 20, 16 << 20, 24 << 20, 32 << 20}, {4 << 10, 64 << 10, 1 << 20}}

// fill writes a value derived from (seed, offset) every stride bytes from
// several goroutines (the big slices are not written byte by byte: under
// emulation inside an emulated VM that would take minutes).
func fill(b []byte, seed uint64, stride int) {
	const workers = 4
	var wg sync.WaitGroup
	chunk := (len(b) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, (w+1)*chunk
		if hi > len(b) {
			hi = len(b)
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i += stride {
				x := (seed+1)*0xbf58476d1ce4e5b9 ^ uint64(i)*0x9e3779b97f4a7c15
				x ^= x >> 29
				b[i] = byte(x>>56) | 1
			}
		}(lo, hi)
	}
	wg.Wait()
}

// sum is an FNV-1a over every stride-th byte, the bytes fill wrote.
func sum(b []byte, stride int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(b); i += stride {
		h = (h ^ uint64(b[i])) * 1099511628211
	}
	return h
}

func stride(size int) int {
	if size >= 1<<20 {
		return 64 << 10 // every 16th 4 KiB page: page faults are slow under double emulation
	}
	return 1
}

func addr(kind string, p unsafe.Pointer, size int) {
	fmt.Printf("addr=0x%x kind=%s size=%d\n", uintptr(p), kind, size)
}

func main() {
	var total uint64
	var kept [][]byte
	for round := 0; round < 2; round++ {
		for i, size := range sizes[round] {
			b := make([]byte, size)
			fill(b, uint64(round*100+i), stride(size))
			s := sum(b, stride(size))
			fmt.Printf("sum round=%d size=%d fnv=%016x\n", round, size, s)
			addr("heap", unsafe.Pointer(&b[0]), size)
			total ^= s + uint64(i)
			if round == 0 {
				kept = append(kept, b)
			}
		}
		// The first round's slices stay live; the second's are garbage now.
		runtime.GC()
	}
	// Small objects from many goroutines, through a channel.
	ch := make(chan *[64]uint64, 64)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for j := 0; j < 8; j++ {
				o := new([64]uint64)
				for k := range o {
					o[k] = uint64(g*1000 + j*64 + k)
				}
				ch <- o
			}
		}(g)
	}
	wg.Wait()
	close(ch)
	var small uint64
	var last *[64]uint64
	for o := range ch {
		for _, v := range o {
			small += v
		}
		last = o
	}
	addr("small", unsafe.Pointer(last), 512)
	fmt.Printf("result small=%d\n", small)
	for _, size := range []int{1 << 20, 64 << 20} {
		m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Printf("mmap %d: %v\n", size, err)
			os.Exit(1)
		}
		m[0], m[size-1] = 7, 9
		addr("mmap", unsafe.Pointer(&m[0]), size)
		fmt.Printf("result mmap size=%d bytes=%d,%d\n", size, m[0], m[size-1])
		if err := syscall.Munmap(m); err != nil {
			fmt.Printf("munmap: %v\n", err)
			os.Exit(1)
		}
	}
	for i, b := range kept {
		if len(b) != sizes[0][i] {
			os.Exit(1)
		}
	}
	runtime.GC()
	fmt.Printf("result total=%016x kept=%d goroutines-done\n", total, len(kept))
}
