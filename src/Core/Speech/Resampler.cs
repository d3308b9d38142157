namespace AgentOS.Voice.Speech;

/// <summary>
/// Rational-ratio polyphase resampler with a Kaiser-windowed sinc low-pass, for mono PCM16. Cut-off sits at 45% of the
/// lower rate so that, going down to 8 kHz, everything above ~3.9 kHz is suppressed (about 80 dB) instead of folding
/// back into the telephone band. Written here because the product runs where SoX is not installed.
/// </summary>
public sealed class Resampler
{
    private const double CutoffFraction = 0.45;
    private const int ZeroCrossings = 24;
    private const double KaiserBeta = 8.0;
    private const int MaxPhases = 4096;

    private readonly int _up;
    private readonly int _down;
    private readonly int _tapsPerPhase;
    private readonly float[] _filters;

    public Resampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;

        var divisor = GreatestCommonDivisor(inputRate, outputRate);
        _up = outputRate / divisor;
        _down = inputRate / divisor;
        if (_up > MaxPhases)
        {
            throw new ArgumentException($"Resampling {inputRate} Hz to {outputRate} Hz needs {_up} filter phases; at most {MaxPhases} are supported.");
        }

        // Filter designed in input-sample time: cut-off as a fraction of the input rate, support of ZeroCrossings lobes each side.
        var cutoff = CutoffFraction * Math.Min(inputRate, outputRate) / inputRate;
        var halfWidth = ZeroCrossings / (2 * cutoff);
        var half = (int)Math.Ceiling(halfWidth);
        _tapsPerPhase = 2 * half;
        _filters = new float[_up * _tapsPerPhase];

        for (var phase = 0; phase < _up; phase++)
        {
            var row = _filters.AsSpan(phase * _tapsPerPhase, _tapsPerPhase);
            var sum = 0.0;
            var values = new double[_tapsPerPhase];
            for (var j = 0; j < _tapsPerPhase; j++)
            {
                // Tap j weighs input sample (base - half + 1 + j) for an output that falls phase/_up after base.
                var distance = (double)phase / _up + half - 1 - j;
                values[j] = Math.Abs(distance) >= halfWidth
                    ? 0
                    : 2 * cutoff * Sinc(2 * cutoff * distance) * Kaiser(distance / halfWidth);
                sum += values[j];
            }

            // Unity gain at DC for every phase, so a constant input stays constant (no phase-dependent ripple).
            for (var j = 0; j < _tapsPerPhase; j++)
            {
                row[j] = (float)(values[j] / sum);
            }
        }
    }

    public int InputRate { get; }
    public int OutputRate { get; }

    public static short[] Resample(ReadOnlySpan<short> input, int inputRate, int outputRate) =>
        new Resampler(inputRate, outputRate).Process(input);

    /// <summary>Resamples one whole mono signal; samples beyond its ends count as silence.</summary>
    public short[] Process(ReadOnlySpan<short> input)
    {
        if (_up == _down)
        {
            return input.ToArray();
        }

        var outputLength = (int)(((long)input.Length * _up + _down - 1) / _down);
        var output = new short[outputLength];
        var half = _tapsPerPhase / 2;
        for (var n = 0; n < outputLength; n++)
        {
            var position = (long)n * _down;
            var baseIndex = (int)(position / _up);
            var phase = (int)(position % _up);
            var taps = _filters.AsSpan(phase * _tapsPerPhase, _tapsPerPhase);
            var first = baseIndex - half + 1;
            var from = Math.Max(0, -first);
            var to = Math.Min(_tapsPerPhase, input.Length - first);

            var acc = 0.0;
            for (var j = from; j < to; j++)
            {
                acc += taps[j] * input[first + j];
            }

            output[n] = (short)Math.Clamp(Math.Round(acc), short.MinValue, short.MaxValue);
        }

        return output;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double Kaiser(double x) => BesselI0(KaiserBeta * Math.Sqrt(1 - x * x)) / BesselI0(KaiserBeta);

    private static double BesselI0(double x)
    {
        // Power series; converges quickly for the beta used here.
        var sum = 1.0;
        var term = 1.0;
        for (var k = 1; k < 50 && term > 1e-12 * sum; k++)
        {
            term *= x * x / (4.0 * k * k);
            sum += term;
        }

        return sum;
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
