import Foundation
import Logging
import StreamLSTMVocabulary

/// Why the book refused a change.
package enum SilenceBookError: Error, Equatable, CustomStringConvertible {
    /// The silence asked for is not one that can be made (bad times, matchers that hold for everything).
    case invalid(SilenceError)
    case unknownID(String)
    /// A silence polled from an Alertmanager: it is expired there.
    case notLocal(id: String, alertmanager: String)
    /// The state directory could not take the change; nothing changed.
    case cannotSave(String)

    package var description: String {
        switch self {
        case .invalid(let error): error.description
        case .unknownID(let id): "no silence \(id)"
        case .notLocal(let id, let url):
            "silence \(id) comes from the Alertmanager at \(url): expire it there (amtool silence expire \(id))"
        case .cannotSave(let reason): "cannot save the silences: \(reason)"
        }
    }
}

/// A silence as `list(now:)` shows it.
package struct ListedSilence: Sendable {
    package let silence: Silence
    package let state: Silence.State
    /// Whether it pauses learning now (its marker and the configuration).
    package let pausesLearning: Bool
}

/// Every silence the daemon knows: its own (local, kept in the state directory) and, per
/// configured Alertmanager, the set last polled from it. Thread safe; `current(now:)` is what
/// the series book asks once per batch, and costs a lock and a comparison while nothing changes.
package final class SilenceBook: Sendable {
    /// Longest silence that can be made here; longer ones are refused as typing mistakes.
    package static let maximumDuration = 31 * 86_400.0

    private struct State {
        package var local: [Silence] = []
        package var remote: [String: [Silence]] = [:]
        package var pauseLearning = true
        /// The answer last handed out, and when it was made and until when it holds.
        package var answer = ActiveSilences(generation: 0, silences: [], pauseLearning: true)
        package var madeAt = Double.infinity
        package var validUntil = -Double.infinity
        /// A set or a setting changed since the answer was made.
        package var changed = true
    }

    private let state = Protected(State())
    /// One change of the local silences at a time, held while the file is written: the state itself
    /// is locked only to read and to swap, so the shards asking `current(now:)` never wait on a disk.
    private let localWriter = Protected(())
    private let store: SilenceStore?
    private let logger: Logger

    /// With a store, its silences are read now (expired ones dropped, a damaged file set aside).
    package init(
        store: SilenceStore?, pauseLearning: Bool = true, now: Double = Date().timeIntervalSince1970, logger: Logger
    ) {
        self.store = store
        self.logger = logger
        let loaded = store?.load(now: now, logger: logger) ?? []
        state.withLock {
            $0.local = loaded
            $0.pauseLearning = pauseLearning
        }
    }

    // MARK: What the series book asks

    /// What is in force at `now` (wall-clock unix seconds): the same object until the set changes or
    /// a silence starts or ends.
    package func current(now: Double) -> ActiveSilences {
        state.withLock { state in
            if !state.changed && now >= state.madeAt && now < state.validUntil { return state.answer }
            var active: [Silence] = []
            var validUntil = Double.infinity
            for silence in state.local + state.remote.keys.sorted().flatMap({ state.remote[$0]! }) {
                switch silence.state(at: now) {
                case .active:
                    active.append(silence)
                    validUntil = min(validUntil, silence.endsAt)
                case .pending: validUntil = min(validUntil, silence.startsAt)
                case .expired: break
                }
            }
            if active != state.answer.silences || state.pauseLearning != state.answer.pauseLearning {
                state.answer = ActiveSilences(
                    generation: state.answer.generation + 1, silences: active, pauseLearning: state.pauseLearning)
            }
            state.madeAt = now
            state.validUntil = validUntil
            state.changed = false
            return state.answer
        }
    }

    // MARK: Local silences

    /// Makes a silence here and saves it; its id (a random UUID). A start in the past is taken as now.
    package func add(
        matchers: [SilenceMatcher], startsAt: Double? = nil, endsAt: Double, comment: String, createdBy: String,
        now: Double
    ) throws(SilenceBookError) -> String {
        let start = max(startsAt ?? now, now)
        if let problem = matchers.problem { throw .invalid(problem) }
        guard endsAt.isFinite, start.isFinite else { throw .invalid(SilenceError("times must be finite")) }
        guard endsAt > start else {
            throw .invalid(SilenceError("endsAt \(rfc3339(endsAt)) is not after startsAt \(rfc3339(start))"))
        }
        guard endsAt - start <= Self.maximumDuration else {
            throw .invalid(
                SilenceError(
                    "a silence may last at most \(Int(Self.maximumDuration / 86_400)) days, "
                        + "not \(String(format: "%.1f", (endsAt - start) / 86_400))"))
        }
        let silence = Silence(
            id: UUID().uuidString.lowercased(), matchers: matchers, startsAt: start, endsAt: endsAt, comment: comment,
            createdBy: createdBy, source: .local)
        try changeLocal(now: now) { $0.append(silence) }
        logger.notice(
            "silence added",
            metadata: [
                "id": "\(silence.id)", "matchers": "\(matchers.selector)", "starts_at": "\(rfc3339(start))",
                "ends_at": "\(rfc3339(endsAt))", "created_by": "\(createdBy)",
                "pauses_learning": "\(silence.pausesLearning)",
            ])
        return silence.id
    }

    /// Ends a local silence now (it is removed, as Alertmanager's expired ones are once over).
    package func expire(id: String, now: Double) throws(SilenceBookError) {
        let remote = state.withLock { state in
            state.remote.first { $0.value.contains { $0.id == id && $0.state(at: now) != .expired } }?.key
        }
        if let remote { throw .notLocal(id: id, alertmanager: remote) }
        var found = false
        try changeLocal(now: now) { local in
            found = local.contains { $0.id == id }
            local.removeAll { $0.id == id }
        }
        guard found else { throw .unknownID(id) }
        logger.notice("silence expired", metadata: ["id": "\(id)"])
    }

    /// Applies `change` to the local silences (expired ones dropped), saves them, and only then
    /// puts them in force: a change that cannot be saved changes nothing.
    private func changeLocal(now: Double, _ change: (inout [Silence]) -> Void) throws(SilenceBookError) {
        let outcome: Result<Void, SilenceBookError> = localWriter.withLock { _ in
            var local = state.withLock { $0.local }.filter { $0.state(at: now) != .expired }
            change(&local)
            if let store {
                do throws(SilenceError) {
                    try store.save(local)
                } catch {
                    return .failure(.cannotSave(error.description))
                }
            }
            state.withLock { state in
                state.local = local
                state.changed = true
            }
            return .success(())
        }
        try outcome.get()
    }

    // MARK: Alertmanager's silences

    /// The silences just polled from the Alertmanager at `url` replace those it gave before (expired
    /// ones are left out). The same set again changes nothing, not even the generation.
    package func replace(_ silences: [Silence], from url: String, now: Double) {
        let kept = silences.filter { $0.state(at: now) != .expired }
        state.withLock { state in
            guard state.remote[url] != kept else { return }
            state.remote[url] = kept
            state.changed = true
        }
    }

    /// An Alertmanager no longer configured: its silences are no longer in force.
    package func forget(alertmanager url: String) {
        state.withLock { state in
            if state.remote.removeValue(forKey: url) != nil { state.changed = true }
        }
    }

    /// The Alertmanagers whose silences the book holds.
    package var alertmanagers: [String] { state.withLock { $0.remote.keys.sorted() } }

    /// `alertmanager.silences_pause_learning` in force.
    package var pauseLearning: Bool { state.withLock { $0.pauseLearning } }

    /// `alertmanager.silences_pause_learning`.
    package func setPauseLearning(_ pause: Bool) {
        state.withLock { state in
            if state.pauseLearning != pause {
                state.pauseLearning = pause
                state.changed = true
            }
        }
    }

    // MARK: Listing

    /// Every silence active or pending at `now`, local first, then by Alertmanager; each in order of start, then id.
    package func list(now: Double) -> [ListedSilence] {
        state.withLock { state in
            let order: (Silence, Silence) -> Bool = { ($0.startsAt, $0.id) < ($1.startsAt, $1.id) }
            let all =
                state.local.sorted(by: order)
                + state.remote.keys.sorted().flatMap { state.remote[$0]!.sorted(by: order) }
            return all.compactMap { silence in
                let phase = silence.state(at: now)
                guard phase != .expired else { return nil }
                return ListedSilence(
                    silence: silence, state: phase, pausesLearning: state.pauseLearning && silence.pausesLearning)
            }
        }
    }
}
