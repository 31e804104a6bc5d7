// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backend/applyprecondition_p.h"

namespace PersistentMapInternal {

namespace {
thread_local ApplyPrecondition *t_current = nullptr;
}

ApplyPrecondition *ApplyPrecondition::current()
{
    return t_current;
}

ApplyPrecondition::Scope::Scope(ApplyPrecondition *precondition)
    : m_previous(t_current)
{
    t_current = precondition;
}

ApplyPrecondition::Scope::~Scope()
{
    t_current = m_previous;
}

} // namespace PersistentMapInternal
