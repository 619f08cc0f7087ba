import Logging
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMVocabulary

extension SeriesBook {
    /// A book on its own, driven by a test on its thread: new series on the engine's starting weights,
    /// no trainer, no silences. `live`: the settings it reads (a test that reloads keeps the box);
    /// `absenceEpoch`: the daemon's start, before which no silence counts (-∞: a replay's book).
    package static func standalone(
        config: EngineConfig, stats: EngineStats = EngineStats(), live: LiveSettingsBox? = nil,
        label: String = "test", logger: Logger = Logger(label: "test"), absenceEpoch: Double = -.infinity,
        alerts: any AlertSink
    ) -> SeriesBook {
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        return SeriesBook(
            label: label, config: config, stats: stats,
            prior: Predictor.initialWeights(network, seed: config.predictor.seed), trainer: nil,
            learning: LearningSwitch(on: false), live: live ?? LiveSettingsBox(LiveSettings(config)),
            logger: logger, alerts: alerts, absenceEpoch: absenceEpoch)
    }
}
