# bash completion for rali(1)                            -*- shell-script -*-
# Installed as <datadir>/bash-completion/completions/rali.  The options are
# those of app/cli/rali-cli.c's option table, which all four commands share;
# tests/test-completion-man.py checks this list against `rali COMMAND --help`.
# Needs only bash (not the bash-completion package's helpers).

_rali()
{
    local cur prev cword=$COMP_CWORD
    cur=${COMP_WORDS[cword]}
    prev=${COMP_WORDS[cword-1]}
    # --opt=value: bash splits at '=' (COMP_WORDBREAKS)
    if [[ $cur == = ]]; then
        cur=
        prev=${COMP_WORDS[cword-1]}
    elif [[ $prev == = && $cword -ge 2 ]]; then
        prev=${COMP_WORDS[cword-2]}
    fi

    local commands='score embed info bench'
    local options='-h --help -m --model -b --backend --json --csv -k --top --max-overlap
        --min-weight --tiles --batch --shard --iterations --threads --precision --photo-size --profile --max-megapixels'

    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help -h" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]}

    case $prev in
        -m | --model)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -X '!*.rali' -- "$cur") $(compgen -d -- "$cur"))
            return
            ;;
        -b | --backend)
            COMPREPLY=($(compgen -W 'auto cpu vulkan' -- "$cur"))
            return
            ;;
        --tiles)
            COMPREPLY=($(compgen -W 'auto 2 3 4 5 6 7 8' -- "$cur"))
            return
            ;;
        --precision)
            COMPREPLY=($(compgen -W 'auto fp32 bf16' -- "$cur"))
            return
            ;;
        -k | --top | --max-overlap | --min-weight | --batch | --shard | --iterations | --threads | --photo-size | --max-megapixels)
            return # a number, I/N or WxH
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    compopt -o filenames 2>/dev/null
    case $cmd in
        info) # model files
            COMPREPLY=($(compgen -f -X '!*.rali' -- "$cur") $(compgen -d -- "$cur")) ;;
        *) # images and folders (bench: without any, it makes its own)
            COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
} &&
    complete -F _rali rali

# ex: filetype=sh
