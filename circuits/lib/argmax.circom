pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// index = the first position of the largest of n signed actBits-bit values.
// The prover names the position with a one-hot selector; the circuit checks
// that the selected value is >= every value and > every value before it.
// Costs about n * (actBits + 4) constraints.
template ArgMax(n, actBits) {
    assert(n >= 1);
    signal input in[n];
    signal output out;

    var best = 0;
    for (var i = 1; i < n; i++) {
        if (in[i] > in[best] && in[i] < (1 << (actBits - 1))) { best = i; }
        // Field order is not signed order: compare as signed values.
        if (in[best] >= (1 << (actBits - 1)) && in[i] < (1 << (actBits - 1))) { best = i; }
        if (in[best] >= (1 << (actBits - 1)) && in[i] >= (1 << (actBits - 1)) && in[i] > in[best]) { best = i; }
    }
    signal selector[n];
    var selectorSum = 0;
    var selectedLc = 0;
    var indexLc = 0;
    for (var i = 0; i < n; i++) {
        selector[i] <-- i == best ? 1 : 0;
        selector[i] * (selector[i] - 1) === 0;
        selectorSum += selector[i];
        indexLc += i * selector[i];
    }
    selectorSum === 1;
    signal picked[n];
    for (var i = 0; i < n; i++) {
        picked[i] <== selector[i] * in[i];
        selectedLc += picked[i];
    }
    signal selected <== selectedLc;

    // atOrAfter[i] = 1 iff i >= index; before the index the max must be strict.
    var atOrAfter = 0;
    component gap[n];
    for (var i = 0; i < n; i++) {
        atOrAfter += selector[i];
        gap[i] = Num2Bits(actBits + 1);
        gap[i].in <== selected - in[i] - (1 - atOrAfter);
    }
    out <== indexLc;
}
