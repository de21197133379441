module {{name-kebab}}

go 1.24

tool go.bytecodealliance.org/cmd/wit-bindgen-go

require (
	go.bytecodealliance.org v0.5.0
	go.bytecodealliance.org/cm v0.1.0
)
