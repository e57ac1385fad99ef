module vaoci.test/goalloc

go 1.22
