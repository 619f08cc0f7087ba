#!/usr/bin/env python3
"""Golden values for StreamLSTM, from an independent numpy reference.

Every cell is written here from its textbook equations with separate gate
matrices, then packed into StreamLSTM's flat parameter layout (fused gates,
column-major). A mistake in the Swift math or in the layout makes the tests
that read this output fail. Run `make golden` to regenerate
Tests/StreamLSTMTests/GoldenValues.swift; never edit that file by hand.
"""
import numpy as np

rng = np.random.default_rng(20261125)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def uniform(*shape):
    return rng.uniform(-0.5, 0.5, size=shape)


def column_major(m):
    """Flatten a rows x cols matrix column by column, as StreamLSTM stores it."""
    return np.asarray(m).T.reshape(-1)


class LSTM:
    def __init__(self, inputs, hidden, peepholes):
        self.I, self.H, self.peep = inputs, hidden, peepholes
        k = inputs + hidden
        self.W = {g: uniform(hidden, k) for g in "ifgo"}
        self.b = {g: uniform(hidden) for g in "ifgo"}
        self.p = {g: uniform(hidden) for g in "ifo"} if peepholes else None

    def flat(self):
        fused = np.vstack([self.W[g] for g in "ifgo"])
        parts = [column_major(fused), np.concatenate([self.b[g] for g in "ifgo"])]
        if self.peep:
            parts += [self.p[g] for g in "ifo"]
        return np.concatenate(parts)

    def state_size(self):
        return 2 * self.H

    def step(self, x, state):
        h, c = state[: self.H], state[self.H:]
        v = np.concatenate([x, h])
        pre = {g: self.W[g] @ v + self.b[g] for g in "ifgo"}
        if self.peep:
            pre["i"] = pre["i"] + self.p["i"] * c
            pre["f"] = pre["f"] + self.p["f"] * c
        i, f, g = sigmoid(pre["i"]), sigmoid(pre["f"]), np.tanh(pre["g"])
        c_new = f * c + i * g
        if self.peep:
            pre["o"] = pre["o"] + self.p["o"] * c_new
        o = sigmoid(pre["o"])
        return np.concatenate([o * np.tanh(c_new), c_new])


class GRU:
    def __init__(self, inputs, hidden):
        self.I, self.H = inputs, hidden
        self.Wx = {g: uniform(hidden, inputs) for g in "rzn"}
        self.Wh = {g: uniform(hidden, hidden) for g in "rzn"}
        self.bx = {g: uniform(hidden) for g in "rzn"}
        self.bh = {g: uniform(hidden) for g in "rzn"}

    def flat(self):
        return np.concatenate([
            column_major(np.vstack([self.Wx[g] for g in "rzn"])),
            column_major(np.vstack([self.Wh[g] for g in "rzn"])),
            np.concatenate([self.bx[g] for g in "rzn"]),
            np.concatenate([self.bh[g] for g in "rzn"]),
        ])

    def state_size(self):
        return self.H

    def step(self, x, h):
        r = sigmoid(self.Wx["r"] @ x + self.bx["r"] + self.Wh["r"] @ h + self.bh["r"])
        z = sigmoid(self.Wx["z"] @ x + self.bx["z"] + self.Wh["z"] @ h + self.bh["z"])
        n = np.tanh(self.Wx["n"] @ x + self.bx["n"] + r * (self.Wh["n"] @ h + self.bh["n"]))
        return (1 - z) * n + z * h


class RNN:
    def __init__(self, inputs, hidden):
        self.I, self.H = inputs, hidden
        self.W = uniform(hidden, inputs + hidden)
        self.b = uniform(hidden)

    def flat(self):
        return np.concatenate([column_major(self.W), self.b])

    def state_size(self):
        return self.H

    def step(self, x, h):
        return np.tanh(self.W @ np.concatenate([x, h]) + self.b)


def make_case(name, kind, inputs, hidden, layers=1, peepholes=False, steps=7):
    cells = []
    for layer in range(layers):
        i = inputs if layer == 0 else hidden
        cells.append(LSTM(i, hidden, peepholes) if kind == "lstm" else GRU(i, hidden) if kind == "gru" else RNN(i, hidden))
    head_w, head_b, head_s = uniform(hidden), uniform(1), uniform(inputs)
    params = np.concatenate([c.flat() for c in cells] + [head_w, head_b, head_s])
    state0 = [uniform(c.state_size()) for c in cells]
    xs = rng.normal(size=(steps, inputs))
    state = [s.copy() for s in state0]
    predictions = []
    for x in xs:
        layer_input = x
        for li, cell in enumerate(cells):
            state[li] = cell.step(layer_input, state[li])
            layer_input = state[li][:hidden]
        predictions.append(head_w @ layer_input + head_b[0] + head_s @ x)
    return dict(name=name, kind=kind, inputs=inputs, hidden=hidden, layers=layers, peepholes=peepholes,
                parameters=params, initial_state=np.concatenate(state0), xs=xs.reshape(-1),
                predictions=np.array(predictions), final_state=np.concatenate(state))


def adam_reference():
    """Three bias-corrected Adam steps (Kingma & Ba 2015, Algorithm 1)."""
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta = uniform(6)
    grads = [uniform(6) for _ in range(3)]
    m = np.zeros(6)
    v = np.zeros(6)
    start = theta.copy()
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return dict(lr=lr, start=start, grads=np.concatenate(grads), expected=theta)


def swift_array(a):
    return "[" + ", ".join(repr(float(x)) for x in np.asarray(a).reshape(-1)) + "]"


def main():
    cases = [
        make_case("lstm", "lstm", 3, 8),
        make_case("lstm-peepholes", "lstm", 3, 8, peepholes=True),
        make_case("lstm-two-layers-h12", "lstm", 2, 12, layers=2, peepholes=True),
        make_case("gru", "gru", 3, 8),
        make_case("gru-h12", "gru", 2, 12),
        make_case("rnn", "rnn", 3, 12),
    ]
    adam = adam_reference()
    out = ["// swift-format-ignore-file",
           "// BEGIN GENERATED by scripts/golden.py (numpy " + np.__version__ + "); regenerate with `make golden`.",
           "@testable import StreamLSTM", "",
           "enum GoldenValues {",
           "    static let cases: [GoldenCase] = ["]
    for c in cases:
        out += [
            "        GoldenCase(",
            f"            name: \"{c['name']}\", cell: .{c['kind']}, inputSize: {c['inputs']}, hiddenSize: {c['hidden']},",
            f"            layers: {c['layers']}, peepholes: {'true' if c['peepholes'] else 'false'},",
            f"            parameters: {swift_array(c['parameters'])},",
            f"            initialState: {swift_array(c['initial_state'])},",
            f"            inputs: {swift_array(c['xs'])},",
            f"            predictions: {swift_array(c['predictions'])},",
            f"            finalState: {swift_array(c['final_state'])}),",
        ]
    out += ["    ]", "",
            f"    static let adamLearningRate = {adam['lr']!r}",
            f"    static let adamStart: [Double] = {swift_array(adam['start'])}",
            f"    static let adamGradients: [Double] = {swift_array(adam['grads'])}",
            f"    static let adamExpected: [Double] = {swift_array(adam['expected'])}",
            "}", "// END GENERATED"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
