#!/usr/bin/env bash
# Sets (or, with --check, verifies) the Key Vault secrets an environment's apps read, between the foundation
# deployment and the apps' (docs/deploy.md). Values never go on a command line: each is read from the environment
# variable named below, or typed at a hidden prompt, and passed to az on stdin.
#
#   infra/set-secrets.sh --vault NAME [--providers elevenlabs,openai,anthropic] [--check]
#
#   twilio-auth-token    TWILIO_AUTH_TOKEN      always
#   management-api-key   MANAGEMENT_API_KEY     always; a random 48-character key is generated when unset
#   relay-ticket-secret  RELAY_TICKET_SECRET    always; a random 48-character key is generated when unset (the
#                                               Functions app signs relay URLs with it, RelayHost checks them)
#   elevenlabs-api-key   ELEVENLABS_API_KEY     when 'elevenlabs' is listed (the environment's providerSecrets)
#   openai-api-key       OPENAI_API_KEY         when 'openai' is listed
#   anthropic-api-key    ANTHROPIC_API_KEY      when 'anthropic' is listed
#
# The caller needs Key Vault Secrets Officer on the vault (operatorPrincipalId in the .bicepparam) to set them, and
# Key Vault Secrets User (deployPrincipalId) to check them.
set -euo pipefail

vault="" providers="" check=false
while (($#)); do
  case "$1" in
    --vault) vault="${2:?--vault needs a name}"; shift 2 ;;
    --providers) providers="${2-}"; shift 2 ;;
    --check) check=true; shift ;;
    *) echo "set-secrets: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$vault" ]] || { echo "set-secrets: --vault NAME is required" >&2; exit 2; }

declare -A variable_of=(
  [twilio-auth-token]=TWILIO_AUTH_TOKEN [management-api-key]=MANAGEMENT_API_KEY [relay-ticket-secret]=RELAY_TICKET_SECRET
  [elevenlabs-api-key]=ELEVENLABS_API_KEY [openai-api-key]=OPENAI_API_KEY [anthropic-api-key]=ANTHROPIC_API_KEY
)
needed=(twilio-auth-token management-api-key relay-ticket-secret)
IFS=',' read -ra listed <<< "$providers"
for provider in "${listed[@]}"; do
  case "$provider" in
    elevenlabs|openai|anthropic) needed+=("$provider-api-key") ;;
    "") ;;
    *) echo "set-secrets: unknown provider '$provider' (elevenlabs, openai, anthropic)" >&2; exit 2 ;;
  esac
done

if $check; then
  missing=()
  for name in "${needed[@]}"; do
    az keyvault secret show --vault-name "$vault" --name "$name" --query id -o tsv >/dev/null 2>&1 || missing+=("$name")
  done
  if ((${#missing[@]})); then
    echo "set-secrets: missing in $vault: ${missing[*]} — run infra/set-secrets.sh --vault $vault --providers '$providers' first" >&2
    exit 1
  fi
  echo "set-secrets: all ${#needed[@]} secrets present in $vault"
  exit 0
fi

for name in "${needed[@]}"; do
  variable="${variable_of[$name]}"
  value="${!variable-}"
  if [[ -z "$value" && "$name" == management-api-key ]]; then
    value="$(openssl rand -base64 36 | tr -d '\n/+=' | head -c 48)"
    echo "set-secrets: generated management-api-key (read it back with: az keyvault secret show --vault-name $vault --name management-api-key --query value -o tsv)"
  fi
  if [[ -z "$value" && "$name" == relay-ticket-secret ]]; then
    # Nobody needs to read this one back: only the two apps use it.
    value="$(openssl rand -base64 48 | tr -d '\n/+=' | head -c 48)"
    echo "set-secrets: generated relay-ticket-secret"
  fi
  if [[ -z "$value" && -t 0 ]]; then
    read -rsp "$name: " value; echo
  fi
  [[ -n "$value" ]] || { echo "set-secrets: no value for $name (set $variable)" >&2; exit 1; }
  printf '%s' "$value" | az keyvault secret set --vault-name "$vault" --name "$name" --file /dev/stdin --query id -o tsv >/dev/null
  echo "set-secrets: $name set"
done
