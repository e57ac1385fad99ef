# Allocates a few hundred MB the ways Python programs do (objects, large
# buffers, an anonymous mmap, extension modules loaded with dlopen), then
# prints its own maps.
import ctypes, decimal, json, mmap, sqlite3  # noqa: F401  (dlopen'd extension modules)

small = [list(range(100)) for _ in range(20000)]
large = [bytearray(1 << 20) for _ in range(250)]
anon = mmap.mmap(-1, 64 << 20)
anon[0:4] = b"vaoc"
buf = ctypes.create_string_buffer(8 << 20)
with open("/proc/self/maps") as f:
    print(f.read(), end="")
