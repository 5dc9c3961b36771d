// Placeholder: filled in by the op family's implementation.
func registerMatMulOps(into r: OpRegistry) {}
