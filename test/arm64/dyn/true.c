/* The per-process target of the dynamic bench rows in test/arm64/bench.sh:
 * a dynamically linked aarch64 program that does nothing, so a run costs
 * the loader, libc and the preload's constructor only. */
int main(void)
{
	return 0;
}
