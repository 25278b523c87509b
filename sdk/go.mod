module github.com/vccproject/vcc/sdk

go 1.26.0
