/**
 * ONNX node tests of modes the IR refuses on purpose, each with the error it
 * must be refused with (a RegExp over the message): the conformance test
 * checks the refusal instead of the outputs. Keep each reason in the
 * operator's own error message, so a user meets the same words.
 */
export const REFUSED_NODE_TESTS: Readonly<Record<string, RegExp>> = {
  // BatchNormalization is inference-only: the running mean/variance outputs of training mode are refused.
  test_batchnorm_example_training_mode: /only inference/,
  test_batchnorm_epsilon_training_mode: /only inference/,
};
