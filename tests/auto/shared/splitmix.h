// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SplitMix64: a tiny, well-mixed pseudo-random generator, reproducible from its seed, for the
// suites that replay a run from a seed (crash-kill, power-loss, stress).
#ifndef SPLITMIX_H
#define SPLITMIX_H

#include <QtCore/QtGlobal>

class SplitMix64
{
public:
    explicit SplitMix64(quint64 seed)
        : m_state(seed)
    {
    }
    quint64 next()
    {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int bounded(int n) { return int(next() % quint64(n)); } // in [0, n)

private:
    quint64 m_state;
};

#endif // SPLITMIX_H
