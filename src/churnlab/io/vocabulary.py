"""Vocabularies of the retention form: box labels, their parsed-record keys, the box glyphs."""

from __future__ import annotations

import re

CHECKED, UNCHECKED = "☒", "☐"
UNREADABLE = "⍰"
"""A box whose state could not be told (a ``?`` left by an ANSI save, an unknown symbol)."""
BOX_GLYPHS = CHECKED + UNCHECKED + UNREADABLE

# --- vocabularies ------------------------------------------------------------

_HEADER_LABELS: tuple[tuple[str, str], ...] = (
    # (field, folded regex); order matters where one label contains another.
    ("collaborator", r"colaborador[a]?"),
    ("cro_count", r"(?:qtd\.?|quantidade) ?(?:de )?cros? ?\(?s?\)?"),
    ("listed_cros", r"(?:n[o.°]*|numero)\.? ?(?:de )?cros? ?\(?s?\)? unicos divulgados"),
    ("lives", r"(?:n[o.°]*|numero)\.? ?(?:de )?vidas"),
    ("included_on", r"data (?:de )?inclusao"),
    ("protocol_opened_on", r"(?:dt\.?|data) ?(?:de )?abertura (?:do )?protocolo"),
    ("protocol_number", r"(?:n[o.°]*|numero)\.? ?(?:do )?protocolo"),
    ("started_on", r"data (?:de )?inicio"),
    ("finished_on", r"data (?:de )?final(?:izacao)?"),
    ("days_to_finish", r"tempo (?:de )?finaliza[cç]ao"),
    ("last_production_value", r"valor (?:da )?ultima prod(?:\.|uc\.?|ucao)?"),
    ("last_production", r"ultima produc?(?:\.|ao)?"),
    ("us_value", r"moeda"),
    ("other_plans", r"atende (?:a )?outros convenios\??"),
    ("other_plans_names", r"quais\s?\??"),
    ("status", r"status (?:da )?retencao"),
    ("requested_by", r"demandado por\s?\??"),
    ("dentist_name", r"nome (?:do )?(?:dentista|profissional|prestador)"),
    ("person_type", r"tipo"),
    ("operator", r"operadora"),
    ("cnpj", r"cnpj"),
    ("cpf", r"cpf"),
    ("cro", r"cro"),
    ("city", r"cidade"),
    ("uf", r"uf"),
    ("date", r"data"),
)

HEADER_RE = re.compile("|".join(f"(?P<{name}>(?<![\\w]){rx}(?![\\w]))" for name, rx in _HEADER_LABELS))
CONTACT_RE = re.compile(r"^(\d)\s*(?:o|a|°|\.)?\.?\s*contato\b:?")
OBS_RE = re.compile(r"^obs\.?\s*:?\s*", re.IGNORECASE)
SECTION_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("actions", re.compile(r"^(?:motivo|acao|acoes) (?:de )?retencao\b")),
    ("dismissal", re.compile(r"^motivos? (?:de |do )?desligamento\b")),
    ("protocol", re.compile(r"^necessario (?:a )?abertura de protocolo\b")),
    ("general", re.compile(r"^obs\.? ?gera(?:l|is)\b")),
    ("sectors", re.compile(r"^setor(?:es)? responsave(?:l|is)\b")),
)
SECTION_STARTS = ("motivo", "acao", "acoes", "necessario", "obs", "setor")
HEADING_LEADS = frozenset("MmAaÁáÀàNnOoSs")  # first letters of the section headings
# The sections a complete form has, by the name the record's warnings use.
SECTION_TITLES: dict[str, str] = {
    "contact": "1º contato",
    "actions": "Motivo retenção",
    "dismissal": "Motivo desligamento",
    "protocol": "Necessário abertura de protocolo",
    "general": "Obs. geral",
    "sectors": "Setor responsável",
}
TITLE_RE = re.compile(r"processo de retencao")

STATUS_BOXES = {
    "retencao efetiva": "retained",
    "desligamento": "dismissed",
    "nao se trata de retencao": "not_retention",
    "nao trata-se de retencao": "not_retention",
    "nao trata se de retencao": "not_retention",
}
YES_NO = {"sim": True, "nao": False}
ACTION_BOXES = {
    "ofertado novos valores": "new_prices",
    "ofertado suporte": "support",
    "ofertado divulgacao": "publicity",
    "ofertado treinamento": "training",
    "ofertado treinamento/ ou reciclagem": "training",
    "ofertado reciclagem": "refresher",
    "outros": "other",
}
DISMISSAL_BOXES = {
    "perda de contato": "loss_of_contact",
    "problemas de saude": "health_problems",
    "beneficiario grosseiro": "rude_beneficiary",
    "valores": "fees",
    "franquia": "franchise",
    "alteracao responsavel tecnico": "technical_lead_change",
    "removido prestador": "provider_removed",
    "sem local de atendimento": "no_service_location",
    "glosas": "glosas",
    "dificuldades com o sistema": "system_difficulties",
    "prazo liberacao de guias": "guide_release_time",
    "encerramento de atividades": "closed_business",
    "regras tecnicas": "technical_rules",
    "apenas procedimentos esteticos": "aesthetic_only",
    "aposentou": "retired",
    "baixa procura": "low_demand",
    "dificuldade de contato com a central": "central_contact_difficulty",
    "falta de suporte da operadora": "operator_support_lacking",
    "cobranca indevida": "undue_charges",
    "burocracia operadora": "operator_bureaucracy",
    "negativa de atendimento": "care_denied",
    "ameaca judicializacao": "lawsuit_threat",
    "terceirizacao de atendimento": "outsourced_care",
    "migracao": "migration",
    "carteira de clientes particular": "private_patients",
    "estudos": "studies",
    "servidor publico": "public_servant",
    "mudou de area": "moved_area",
    "obito": "death",
    "motivos particulares": "personal_reasons",
}
SECTOR_BOXES = {
    "t.i": "it",
    "ti": "it",
    "analise tecnica": "technical_analysis",
    "comercial": "commercial",
    "central de atendimento": "call_center",
}
BOILERPLATE = re.compile(r"obrigatorio justificativa")
