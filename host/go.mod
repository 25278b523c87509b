module github.com/vccproject/vcc/host

go 1.26.0

require github.com/vccproject/vcc/proto v0.0.0

replace github.com/vccproject/vcc/proto => ../proto
