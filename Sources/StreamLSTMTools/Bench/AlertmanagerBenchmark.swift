import Foundation
import Logging
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// What an Alertmanager that is away costs detection: a shard's time per sample while every one of
/// `series` series is firing and re-sending, with alerts going to an Alertmanager that refuses
/// every connection (its queue full and dropping), against the same run with no Alertmanager.
package struct AlertmanagerBenchmark {
    package init(series: Int) {
        self.series = series
    }

    package let series: Int
    /// Samples per timed batch.
    package let batch = 1000

    package struct Result {
        /// Seconds per sample of each timed batch (submit to processed), sorted.
        package let perSample: [Double]
        package let alertsTaken: Int
        package let dropped: Int

        package func quantile(_ q: Double) -> Double {
            perSample[min(perSample.count - 1, Int(q * Double(perSample.count)))]
        }
    }

    /// `alertmanager`: an unreachable Alertmanager's URL, or nil for none.
    package func run(alertmanager url: String?, rounds: Int) throws -> Result {
        var config = EngineConfig()
        config.shards = 1
        config.training = false
        config.maxSeries = series + 1
        config.alerts.resendInterval = 1  // every sample of a firing series (a minute apart) re-sends
        var amConfig = AlertmanagerConfig()
        amConfig.urls = url.map { [$0] } ?? []
        amConfig.timeout = 1
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let service = try AlertmanagerService(config: amConfig, instance: "bench", metricsFactory: nil, logger: logger)
        defer { service.stopSenders() }
        let taken = Protected(0)
        let counted = AlertHandler { _ in taken.withLock { $0 += 1 } }
        let engine = Engine(config: config, logger: logger, alerts: AlertFanOut([counted, service]))
        defer { engine.stop() }
        var fed = 0
        func feed(_ samples: [Sample]) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            engine.submit(samples, acceptOutOfOrder: false)
            fed += samples.count
            // The shard answers a ping once it has processed what came before: a wait that takes no CPU.
            guard engine.shardsResponsive(within: 60) else { fatalError("the shard did not answer in 60 s") }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        func samples(at t: Int, level: Double) -> [Sample] {
            (0..<series).map { index in
                let noise = 0.1 * sin(Double(index * 7 + t * 13))
                return Sample(
                    key: "bench.am.s\(index)", timestamp: 1_700_000_000 + 60 * Double(t), value: 10 + level + noise)
            }
        }
        // Warm-up: 60 calm samples per series, then every series shifts by 30 and fires.
        for t in 0..<60 { _ = feed(samples(at: t, level: 0)) }
        var perSample: [Double] = []
        for t in 60..<(60 + rounds) {
            let all = samples(at: t, level: 30)
            for start in stride(from: 0, to: all.count, by: batch) {
                let part = Array(all[start..<min(start + batch, all.count)])
                perSample.append(feed(part) / Double(part.count))
            }
        }
        let dropped = url.map { service.book.queue(of: $0).dropped } ?? 0
        return Result(perSample: perSample.sorted(), alertsTaken: taken.withLock { $0 }, dropped: dropped)
    }
}

extension AlertmanagerBenchmark {
    /// A loopback port nothing listens on (bound, then closed): an Alertmanager that is away.
    package static func closedPort() throws(SystemCallError) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .last("socket", "127.0.0.1:0") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw .last("bind", "127.0.0.1:0") }
        return UInt16(bigEndian: address.sin_port)
    }
}
